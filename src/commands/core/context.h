// CommandContext: everything a command handler may touch for one invocation,
// and nothing more. A handler sees its arguments, the reply builder, the
// keyspace and the caller's selected database, one clock reading, the
// encoding limits, the caller's session (identity and per-connection flags)
// and a few services behind small interfaces (blocking on keys, waking
// blocked clients, keyspace notifications, change counting). The node
// (src/server) implements the services; src/commands never includes it.
//
// Every caller builds its context through the node's one Call path (a
// client's input, EXEC, a script, a blocked client's re-run, AOF loading, a
// replication stream), so the counting, notification and propagation steps
// around a handler are the same whoever runs it.
// Thread rule: built and used on the node's main thread for one command.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/encoding_limits.h"
#include "engine/keyspace.h"

namespace vireo {

class ReplyBuilder;

// What a command may know of (and change in) the connection that runs it.
// The node's Client extends it; EXEC, scripts and loaders run with the
// session of the client they act for (or a pseudo-client's).
struct ClientSession {
  uint64_t client_id = 0;
  int db_index = 0;
  // Waiting for keys. Still set while a blocked client's command is run again
  // for it: a blocking command that finds nothing must not reply, and keeps
  // its place in line.
  bool blocked = false;
  // Blocking commands must answer at once (inside MULTI/EXEC and scripts).
  bool deny_blocking = false;
  // Running a queued command of EXEC: SUBSCRIBE is still allowed there, as
  // Redis keeps it for old clients, though blocking is denied.
  bool in_exec = false;
  // The scripts' pseudo-client: XREAD/XREADGROUP refuse BLOCK there, as Redis.
  bool in_script = false;
  // Replays propagated commands (the AOF loader, a replica's link to its
  // primary): forms only propagation produces are accepted (XADD/XTRIM with
  // "=" and LIMIT), as Redis's mustObeyClient.
  bool replaying = false;
  // While a blocked command is re-run: the key whose change woke it (Redis
  // 7.0 serves a blocked XREAD/XREADGROUP from that one stream). Null otherwise.
  const std::string* woken_by = nullptr;
};

// What a blocked client is told when its timeout passes (or CLIENT UNBLOCK TIMEOUT).
enum class BlockTimeoutReply { kNullArray, kNullBulk };

// Keyspace-notification classes (notify-keyspace-events letters), as Redis numbers them.
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K
  kNotifyKeyevent = 1u << 1,  // E
  kNotifyGeneric = 1u << 2,   // g
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZSet = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m
  kNotifyLoaded = 1u << 12,   // module only
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n
  // "A": every data class (g$lshzxetd); m and n must be named.
  kNotifyAllDataClasses = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
                          kNotifyZSet | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// The node's services a handler may call. Implemented by the node; each call
// is cheap when the feature is unused (nobody blocked, no subscribers...).
class CommandServices {
 public:
  // Blocks the session's client on keys of db until one is ready or the
  // deadline (absolute ms, 0 = forever) passes; the command runs again when a
  // key is ready. Only valid when !session.deny_blocking.
  virtual void BlockOnKeys(ClientSession& session, int db, const std::vector<std::string_view>& keys,
                           const std::vector<std::string_view>& command, int64_t deadline_ms,
                           BlockTimeoutReply on_timeout) = 0;
  // A write made (db, key) ready for clients blocked on it.
  virtual void SignalKeyReady(int db, std::string_view key) = 0;
  // Every waited-on key of db may be ready (SWAPDB, FLUSHDB...).
  virtual void SignalDb(int db) = 0;
  // A key's value changed (WATCH, client-side caching). db < 0: every key of every db (FLUSHALL).
  virtual void KeyModified(int db, std::string_view key) = 0;
  // A whole database is about to change: emptied (FLUSHDB; db < 0: every
  // database, FLUSHALL) or, when replaced_with >= 0, swapped with that
  // database (SWAPDB, called once for each side). Called before the change.
  virtual void DbModified(int db, int replaced_with = -1) = 0;
  // Keyspace notification for event on key in db.
  virtual void Notify(uint32_t cls, std::string_view event, std::string_view key, int db) = 0;

 protected:
  ~CommandServices() = default;
};

// Where a propagated command goes: the AOF, the replication stream or both
// (PUBLISH reaches replicas only, as in Redis).
enum PropagateTarget : uint8_t { kPropagateAof = 1, kPropagateRepl = 2, kPropagateAll = 3 };

// One command as it is propagated: its effects, not necessarily what the client sent.
struct PropagatedCommand {
  int db = 0;
  uint8_t targets = kPropagateAll;
  std::vector<std::string> argv;
};

// How one command shapes what it propagates (Redis's rewriteClientCommandVector,
// alsoPropagate, preventCommandPropagation, forceCommandPropagation). The node
// hands one to a command only while something listens (an AOF, a replica);
// otherwise CommandContext::propagation is null and handlers build nothing.
struct PropagationOps {
  // The node's commands waiting for the end of the execution unit (a client's
  // command, its whole EXEC or script): AlsoPropagate appends here in order.
  std::vector<PropagatedCommand>* pending = nullptr;
  bool rewritten = false;
  std::vector<std::string> argv;  // the command's replacement when rewritten
  bool prevent = false;           // propagate nothing of the command itself
  uint8_t force_targets = 0;      // propagate it even without changes
};

struct CommandContext {
  const std::vector<std::string_view>& args;
  ReplyBuilder& reply;
  ClientSession& session;
  Keyspace& keyspace;
  const EncodingLimits& limits;
  CommandServices& services;
  int64_t now_ms;      // one clock reading for the whole command, as Redis does
  uint64_t dirty = 0;  // changes this command made (save points, propagation)
  // Propagate even without changes (FLUSHDB/FLUSHALL of an empty db, as Redis).
  bool force_propagate = false;

  // Set by the node while propagation has a listener (see PropagationOps).
  PropagationOps* propagation = nullptr;

  Database& db() { return keyspace.db(session.db_index); }

  // ---- propagation (each a no-op when nothing listens) ----
  bool propagating() const { return propagation != nullptr; }
  // Propagate argv instead of the command's own arguments.
  void PropagateAs(std::vector<std::string> argv) {
    if (!propagation) return;
    propagation->rewritten = true;
    propagation->argv = std::move(argv);
  }
  // Replace argument i of what is propagated (i == size appends).
  void RewritePropagatedArg(size_t i, std::string value) {
    if (!propagation) return;
    if (!propagation->rewritten) {
      propagation->rewritten = true;
      propagation->argv.assign(args.begin(), args.end());
    }
    if (i >= propagation->argv.size()) propagation->argv.resize(i + 1);
    propagation->argv[i] = std::move(value);
  }
  // Propagate argv (in the caller's current db) before the command itself.
  void AlsoPropagate(std::vector<std::string> argv, uint8_t targets = kPropagateAll) {
    if (!propagation) return;
    propagation->pending->push_back({session.db_index, targets, std::move(argv)});
  }
  // The command itself is not propagated (its effects went through AlsoPropagate).
  void PreventPropagation() {
    if (propagation) propagation->prevent = true;
  }
  // Propagate the command even if it changed nothing.
  void ForcePropagation(uint8_t targets) {
    if (propagation) propagation->force_targets |= targets;
  }

  // The key's value changed (WATCH, client-side caching), without counting
  // a change: for the second key of a command that counts one (RENAME).
  void Signal(std::string_view key) { services.KeyModified(session.db_index, key); }
  // The key's value changed: Signal + one change counted.
  void Modified(std::string_view key) {
    ++dirty;
    Signal(key);
  }
  // Modified + the keyspace notification for it (the common case).
  void Modified(std::string_view key, uint32_t cls, std::string_view event) {
    Modified(key);
    services.Notify(cls, event, key, session.db_index);
  }
  void Notify(uint32_t cls, std::string_view event, std::string_view key) {
    services.Notify(cls, event, key, session.db_index);
  }
};

}  // namespace vireo

// Stream: the value of a stream key (OBJECT ENCODING "stream").
//
// Entries live in blocks: an ordered map from a block's master ID (the ID of
// its first entry when the block was made) to a Listpack holding, as Redis's
// stream nodes do,
//   live-count, deleted-count, master-field-count, master fields...,
//   then per entry: flags, ms-delta, seq-delta (from the master ID), and
//   either the values alone (flag kSameFields: the entry has exactly the
//   master fields) or field-count, field, value, field, value...
// A block takes new entries until it holds stream-node-max-entries entries
// (live or deleted) or stream-node-max-bytes bytes, as Redis decides when to
// start a new radix-tree node; so "MAXLEN ~" trims at the same boundaries.
// Deleting an entry marks it (XDEL, exact trimming); a block whose entries
// are all deleted by XDEL is dropped.
//
// Consumer groups: a map by name (byte order, as Redis's radix tree) of
// StreamGroup, each with its last delivered ID, entries-read counter, the
// group PEL (ID -> StreamNack, ordered) and its consumers, whose own PELs
// point at the group's StreamNack records.
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "types/listpack.h"
#include "types/stream_id.h"

namespace vireo {

struct StreamConsumer;

// A delivered, not yet acknowledged entry of a group.
struct StreamNack {
  int64_t delivery_time = 0;  // ms
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;  // ms of its last read or claim
  std::map<StreamID, StreamNack*> pel;
};

struct StreamGroup {
  // Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown.
  static constexpr int64_t kInvalidEntriesRead = -1;
  StreamID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamID, StreamNack> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>> consumers;

  StreamConsumer* FindConsumer(std::string_view name) const;
  // Creates it (seen now); nullptr if it exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Removes the consumer and its pending entries; returns how many it had.
  size_t DeleteConsumer(std::string_view name);
};

// One entry as read out of a block.
struct StreamEntry {
  StreamID id;
  std::vector<std::string> fields;  // field, value, field, value...
};

struct StreamLimits {
  size_t node_max_bytes = 4096;   // 0 = no limit (Redis then uses its 1 GiB cap)
  size_t node_max_entries = 100;  // 0 = no limit
};

class Stream {
 public:
  Stream() = default;
  Stream(const Stream& o);
  Stream& operator=(const Stream&) = delete;
  ~Stream() = default;

  // Type ops (engine/type_ops.h).
  static void Free(void* obj);
  static void* Copy(const void* obj);
  static size_t Memory(const void* obj);

  uint64_t length() const { return length_; }
  const StreamID& last_id() const { return last_id_; }
  const StreamID& first_id() const { return first_id_; }
  const StreamID& max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(const StreamID& id) { last_id_ = id; }
  void set_max_deleted_id(const StreamID& id) { max_deleted_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  size_t node_count() const { return nodes_.size(); }
  // The node count Redis's radix tree would have for these block keys
  // (XINFO STREAM radix-tree-nodes): a compressed node per shared run of
  // key bytes, a branching node per divergence, a leaf per key.
  size_t RaxNodeCount() const;

  // Appends an entry with this ID (greater than last_id(); the caller checks)
  // and updates length, last ID and entries-added.
  void Append(const StreamID& id, const std::vector<std::string_view>& fields, const StreamLimits& lim);

  // Entries with start <= id <= end, ascending (or descending when rev), up
  // to count (0 = all). fn(entry) returns false to stop early.
  template <typename Fn>
  void Range(const StreamID& start, const StreamID& end, bool rev, size_t count, Fn&& fn) const;
  // The entry with this ID, false if absent or deleted.
  bool Get(const StreamID& id, StreamEntry* out) const;
  // The first or last live entry's ID; false when empty.
  bool EdgeID(bool first, StreamID* out) const;

  // Marks the entry deleted; false if absent. Keeps first_id and the
  // deleted-ID high mark as XDEL needs them updated by the caller.
  bool Delete(const StreamID& id);
  // Recomputes first_id from the entries (0-0 when empty).
  void RefreshFirstID();

  // Trimming (XADD/XTRIM). maxlen: keep at most that many; minid: remove
  // entries below it. approx stops at block boundaries; limit (approx only,
  // 0 = none) bounds the entries removed. Returns the entries removed.
  int64_t TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit);
  int64_t TrimMinID(const StreamID& minid, bool approx, int64_t limit);

  // Consumer groups.
  std::map<std::string, std::unique_ptr<StreamGroup>>& groups() { return groups_; }
  const std::map<std::string, std::unique_ptr<StreamGroup>>& groups() const { return groups_; }
  StreamGroup* FindGroup(std::string_view name) const;
  // nullptr if a group of that name exists.
  StreamGroup* CreateGroup(std::string_view name, const StreamID& last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);

  // Redis 7.0's lag helpers (streamRangeHasTombstones,
  // streamEstimateDistanceFromFirstEverEntry); the latter returns
  // StreamGroup::kInvalidEntriesRead when the counter cannot be known.
  bool RangeHasTombstones(const StreamID* start, const StreamID* end) const;
  int64_t EstimateDistanceFromFirstEverEntry(const StreamID& id) const;

  // Raw access to the blocks for persistence and tests: master ID -> block.
  const std::map<StreamID, Listpack>& nodes() const { return nodes_; }
  // Adds a block read from a file, in the layout above, after every
  // existing block (the loader checked the layout and that its IDs follow
  // every ID already held); the caller sets the counters afterwards.
  void AdoptNode(const StreamID& master, Listpack&& lp) { nodes_.emplace_hint(nodes_.end(), master, std::move(lp)); }
  void set_length(uint64_t n) { length_ = n; }
  void set_first_id(const StreamID& id) { first_id_ = id; }

  // Decoding of one block, for the iterators and persistence.
  struct NodeEntry {
    StreamID id;
    bool deleted;
    Listpack::Pos flags_pos;
  };
  static void DecodeNode(const StreamID& master, const Listpack& lp, std::vector<NodeEntry>* out);
  // The block's entries in order, decoded one at a time (no vector), so a
  // forward read that stops early walks only what it reads; fn(entry)
  // returns false to stop. Returns false when fn stopped.
  template <typename Fn>
  static bool ForEachInNode(const StreamID& master, const Listpack& lp, Fn&& fn);
  static void ReadFields(const Listpack& lp, Listpack::Pos flags_pos, std::vector<std::string>* out);

  enum EntryFlag : int { kDeleted = 1, kSameFields = 2 };

 private:
  // Marks the entries at these flag positions (ascending) deleted and
  // updates the block's counters and the stream's length.
  void MarkDeleted(Listpack& lp, const std::vector<Listpack::Pos>& flags_pos);
  void AppendEntry(const StreamID& id, int flags_extra, const std::vector<std::string_view>& fields,
                   const StreamLimits& lim);

  std::map<StreamID, Listpack> nodes_;
  uint64_t length_ = 0;
  StreamID last_id_;
  StreamID first_id_;
  StreamID max_deleted_id_;
  uint64_t entries_added_ = 0;
  // The ID of the last entry Append added while it is still live (0-0
  // otherwise): when it equals last_id_, it is the last live entry and
  // EdgeID(false) (every XREAD/XREADGROUP) needs no block decoding.
  StreamID last_appended_;
  std::map<std::string, std::unique_ptr<StreamGroup>> groups_;
};

long long StreamIntAt(const Listpack& lp, Listpack::Pos p);

template <typename Fn>
bool Stream::ForEachInNode(const StreamID& master, const Listpack& lp, Fn&& fn) {
  Listpack::Pos p = lp.First();
  p = lp.Next(p);  // live count
  p = lp.Next(p);  // deleted count
  long long master_fields = StreamIntAt(lp, p);
  p = lp.Next(p);
  for (long long i = 0; i < master_fields; ++i) p = lp.Next(p);
  while (p != Listpack::kEnd) {
    NodeEntry ne;
    ne.flags_pos = p;
    long long flags = StreamIntAt(lp, p);
    p = lp.Next(p);
    ne.id.ms = master.ms + uint64_t(StreamIntAt(lp, p));
    p = lp.Next(p);
    ne.id.seq = master.seq + uint64_t(StreamIntAt(lp, p));
    p = lp.Next(p);
    ne.deleted = flags & kDeleted;
    long long n;
    if (flags & kSameFields) {
      n = master_fields;
    } else {
      n = StreamIntAt(lp, p) * 2;
      p = lp.Next(p);
    }
    for (long long i = 0; i < n; ++i) p = lp.Next(p);
    if (!fn(static_cast<const NodeEntry&>(ne))) return false;
  }
  return true;
}

template <typename Fn>
void Stream::Range(const StreamID& start, const StreamID& end, bool rev, size_t count, Fn&& fn) const {
  if (nodes_.empty() || start > end) return;
  size_t emitted = 0;
  std::vector<NodeEntry> ents;
  StreamEntry e;
  auto visit = [&](const StreamID& master, const Listpack& lp) -> bool {
    auto one = [&](const NodeEntry& ne) -> int {  // 1 go on, 0 skip, -1 stop
      if (ne.deleted) return 1;
      if (rev ? ne.id < start : ne.id > end) return -1;
      if (rev ? ne.id > end : ne.id < start) return 1;
      e.id = ne.id;
      ReadFields(lp, ne.flags_pos, &e.fields);
      if (!fn(static_cast<const StreamEntry&>(e))) return -1;
      if (count && ++emitted >= count) return -1;
      return 1;
    };
    if (!rev) return ForEachInNode(master, lp, [&](const NodeEntry& ne) { return one(ne) >= 0; });
    DecodeNode(master, lp, &ents);
    for (size_t i = ents.size(); i-- > 0;) {
      if (one(ents[i]) < 0) return false;
    }
    return true;
  };
  if (!rev) {
    // The block holding start is the last one whose master ID is <= start.
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    for (; it != nodes_.end(); ++it) {
      if (it->first > end) break;
      if (!visit(it->first, it->second)) break;
    }
  } else {
    auto it = nodes_.upper_bound(end);
    while (it != nodes_.begin()) {
      --it;
      if (!visit(it->first, it->second)) break;
    }
  }
}

}  // namespace vireo

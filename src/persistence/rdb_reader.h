// RdbReader: loads Redis RDB files (versions 1 to 10: every value type and
// encoding Redis 7.0 reads except modules; function libraries) and DUMP
// payloads into Vireo's keyspace. Values are rebuilt with Vireo's own
// structures, in the encoding Redis would give them under the configured
// limits. Every length is checked against the data before it is used, and
// a file is loaded into a separate keyspace that replaces the live one only
// once the whole file (checksum included) has been read, so a corrupt file
// fails with its offset and never leaves a half-loaded keyspace behind.
// Thread rule: runs on the thread that owns the target keyspace.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/encoding_limits.h"
#include "engine/keyspace.h"
#include "persistence/rdb_input.h"

namespace vireo {

// DEBUG SET-SKIP-CHECKSUM-VALIDATION: while on, RDB files and DUMP payloads
// are loaded without checking their CRC-64 (the DUMP version is still
// checked), as Redis's tests use it. Process-wide; any thread may read it.
void SetSkipChecksumValidation(bool on);
bool SkipChecksumValidation();

struct RdbLoadOptions {
  const EncodingLimits* limits = nullptr;  // required
  int64_t now_ms = 0;
  bool drop_expired = true;     // keys already past their deadline are not loaded (a primary's rule)
  bool verify_checksum = true;  // rdbchecksum
  // Installs the file's function libraries (their codes, in file order) once
  // the whole file has been read, before the keyspace is replaced; false
  // with an error fails the load with nothing changed. Unset: the libraries
  // are only returned in the result.
  std::function<bool(const std::vector<std::string>& codes, std::string* error)> apply_functions;
  // Called with the input offset every progress_interval bytes read (Redis's
  // loading-process-events-interval-bytes), so a node can serve -LOADING
  // and report progress while a big file loads.
  std::function<void(uint64_t offset)> progress;
  uint64_t progress_interval = 2 << 20;
  // key-load-delay (tests): microseconds slept per key; n < 0 sleeps 1 us
  // once every -n keys on average, as Redis's debugDelay.
  int key_delay = 0;
};

struct RdbLoadResult {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t expired_skipped = 0;
  uint64_t empty_skipped = 0;
  std::map<std::string, std::string> aux;
  std::vector<std::string> functions;  // library codes (RDB_OPCODE_FUNCTION2 records)
  std::string error;  // "... at offset N" when loading failed
};

// Loads a whole RDB stream into target: on success target's databases hold
// exactly the file's keys (whatever they held before is freed); on failure
// target is unchanged. The target must have at least as many databases as
// the file selects.
bool LoadRdb(RdbInput& in, Keyspace& target, const RdbLoadOptions& opts, RdbLoadResult* result);

// Checks a DUMP payload's trailer (RDB version <= 10, CRC-64) and decodes the
// value into a new entry for key (no TTL). nullptr with *error set to
// Redis's reply text ("ERR DUMP payload version or checksum are wrong",
// "ERR Bad data format") otherwise.
// FUNCTION RESTORE's payload: a function record per library (opcode 245
// and the code; or 246, the 7.0 release candidates' name/engine/description/
// body form), then the DUMP trailer. The codes in payload order, or false
// with Redis's error text (without "ERR ").
bool ParseFunctionPayload(std::string_view payload, std::vector<std::string>* codes, std::string* error);

// vireo-check-rdb: walks a whole RDB file as redis-check-rdb does, passing
// each line of its report to emit: "[offset N] Checking RDB file <name>",
// the AUX fields and selected databases, the checksum verdict, then
// "\o/ RDB looks OK! \o/" and the keys/expires counts; or, at the first
// problem, "--- RDB ERROR DETECTED ---" with the offset, the reason, what
// was being read (and which key, of which type) and the counts so far.
// Values are decoded and validated whole; function libraries are checked
// for structure only (no interpreter). now_ms decides "already expired".
bool CheckRdb(RdbInput& in, std::string_view name, int64_t now_ms,
              const std::function<void(std::string_view line)>& emit);

Entry* LoadDumpPayload(std::string_view payload, std::string_view key, const EncodingLimits& limits,
                       std::string* error);

}  // namespace vireo

// Stream values in RDB files and DUMP payloads, in Redis 7.0's layout
// (RDB_TYPE_STREAM_LISTPACKS_2, type 19): the radix-tree nodes as
// (16-byte big-endian master ID, Redis listpack) pairs, then length, last ID,
// first ID, max deleted ID, entries added, and the consumer groups with their
// PELs (ID, delivery time, delivery count) and consumers (name, seen time,
// owned IDs). Type 15 (RDB_TYPE_STREAM_LISTPACKS, Redis 5/6) is read too, with
// the 7.0 counters derived as Redis derives them.
//
// Vireo's blocks hold the same elements as Redis's nodes except the master
// entry's "0" terminator and each entry's trailing lp-count (only Redis's
// backward iteration needs them): the writer adds them, the reader checks and
// drops them. The reader validates everything it keeps (element types,
// counters, lp-counts, IDs ascending across nodes, the stream length, PEL
// ownership), whatever sanitize-dump-payload says: a forged payload is
// refused, never loaded into a structure the commands could trip over.
// Thread rule: pure functions over values owned by the calling thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace vireo {

class RdbWriter;
class Stream;

// The primitives the stream reader needs from an RDB loader. Each throws (or
// otherwise does not return) on truncated or malformed input.
class RdbValueSource {
 public:
  virtual ~RdbValueSource() = default;
  virtual uint64_t ReadLength() = 0;
  virtual std::string ReadString() = 0;
  virtual void ReadBytes(void* out, size_t n) = 0;
  [[noreturn]] virtual void Reject(const std::string& what) = 0;
};

// The value part of a stream (after the type byte and key).
void WriteStreamValue(RdbWriter& w, const Stream& s);

// Reads a stream value of RDB type 15 or 19.
std::unique_ptr<Stream> ReadStreamValue(RdbValueSource& in, uint8_t rdb_type);

}  // namespace vireo

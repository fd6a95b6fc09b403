// RdbWriter: serializes keys and values in Redis's RDB format, version 10, as
// Redis 7.0 writes them (value types: strings with integer and LZF string
// encodings, quicklist-2 lists of listpack nodes, listpack or hashtable
// hashes, intset or hashtable sets, listpack or skiplist sorted sets,
// streams as listpacks with their consumer groups: rdb_stream.h). It
// writes to a buffer, which is either kept (DUMP payloads) or flushed to a
// file descriptor whenever it grows past a chunk (RDB files); the CRC-64 of
// everything written is kept as it goes.
// Thread rule: one writer is used by one thread. It reads Entry values, so it
// must run on the thread that owns them, or over values nobody mutates.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/entry.h"
#include "persistence/rdb_chunk_encoder.h"

namespace vireo {

class Keyspace;

class RdbWriter {
 public:
  // The LRU/LFU opcodes Redis writes before each key under an LRU policy
  // (RDB_OPCODE_IDLE: idle seconds) or an LFU policy (RDB_OPCODE_FREQ: the
  // decayed counter), so a restart or a replica keeps what eviction knows.
  enum class AccessOpcodes : uint8_t { kNone, kIdle, kFreq };
  // Keys written by KeyValue carry kind's opcode, read from ks's clocks.
  void set_access(AccessOpcodes kind, const Keyspace* ks) {
    access_ = kind;
    access_ks_ = ks;
  }

  // fd < 0: keep everything in the buffer (see buffer()).
  explicit RdbWriter(int fd = -1, bool compress = true);
  // Chunk mode: each flush hands the buffered bytes to sink (which may move
  // them out) instead of writing a file descriptor.
  using ChunkSink = std::function<void(std::string& chunk)>;
  RdbWriter(ChunkSink sink, bool compress);
  // Deferred mode (rdb_chunk_encoder.h): strings that may be compressed are
  // left raw and listed in spans, and no CRC is kept; the sink's owner runs
  // an RdbChunkEncoder over each chunk (last: the chunk Finish flushed).
  // Only the chunks' final form is the file format.
  using SpanChunkSink = std::function<void(std::string& chunk, std::vector<RawSpan>& spans, bool last)>;
  RdbWriter(SpanChunkSink sink, bool compress);

  // ---- primitives of the format
  void Byte(uint8_t b) { buf_.push_back(char(b)); }
  void Raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  void Length(uint64_t len);
  // A string: integer-encoded when it is a short canonical integer, LZF
  // compressed when compression is on and it is worth it, as Redis does.
  void String(std::string_view s);
  // An integer string value (int-encoded strings): int8/16/32 encodings when
  // they fit, else its decimal text.
  void IntString(long long v);
  void BinaryDouble(double d);

  // ---- file structure
  void Header();  // "REDIS0010"
  void Aux(std::string_view key, std::string_view value);
  void AuxInt(std::string_view key, long long value);
  // The AUX fields Redis 7.0 writes at the top of a file (redis-ver,
  // redis-bits, ctime, used-mem, then repl-stream-db, repl-id and
  // repl-offset when repl_id is not empty, then aof-base).
  void StandardAux(int64_t now_sec, uint64_t used_memory, bool aof_base, std::string_view repl_id = {},
                   long long repl_offset = 0, int repl_stream_db = 0);
  // A function library record (RDB_OPCODE_FUNCTION2 and its code), as Redis
  // 7.0 writes one per library after the AUX fields and in FUNCTION DUMP.
  void Function(std::string_view code);
  void SelectDb(int db);
  void ResizeDb(uint64_t keys, uint64_t expires);
  // [expire opcode] type key value.
  void KeyValue(const Entry* e);
  // type value (the start of a DUMP payload).
  void Object(const Entry* e);
  // EOF opcode and the CRC-64 trailer (zero when checksum is off); flushes.
  bool Finish(bool checksum);

  // DUMP payload tail: the RDB version (2 bytes LE) then the CRC-64 of the payload.
  void DumpTrailer();

  // Writes the buffer to the file (no-op without one). False after any
  // write error (error() tells errno).
  bool Flush();
  // Flushes when the buffer is larger than a chunk.
  bool MaybeFlush() { return buf_.size() < kChunk || Flush(); }
  int error() const { return errno_; }
  // Bytes written so far (flushed and buffered; in deferred mode, before
  // compression).
  uint64_t written() const { return flushed_ + buf_.size(); }
  std::string& buffer() { return buf_; }

  // The serialized size of e's value as DEBUG OBJECT's serializedlength
  // reports it (the value only, without type and key).
  static size_t SerializedLength(const Entry* e, bool compress);

 private:
  AccessOpcodes access_ = AccessOpcodes::kNone;
  const Keyspace* access_ks_ = nullptr;
  static constexpr size_t kChunk = 1 << 20;
  void Value(const Entry* e);
  bool TryLzf(std::string_view s);

  bool FlushChunk(bool last);

  int fd_;
  ChunkSink sink_;
  SpanChunkSink span_sink_;
  std::vector<RawSpan> spans_;  // deferred mode: raw strings in buf_
  bool compress_;
  std::string buf_;
  uint64_t crc_ = 0;  // of the flushed bytes
  uint64_t flushed_ = 0;
  int errno_ = 0;
  std::string scratch_;
};

// The RDB type byte Redis writes for e's type and encoding.
uint8_t RdbTypeOf(const Entry* e);

}  // namespace vireo

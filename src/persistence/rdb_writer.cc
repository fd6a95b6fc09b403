#include "persistence/rdb_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <liblzf/lzf.h>

#include "base/numbers.h"
#include "engine/keyspace.h"
#include "persistence/crc64.h"
#include "persistence/packed_formats.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_stream.h"
#include "types/hash_value.h"
#include "types/intset.h"
#include "types/quicklist.h"
#include "types/set_value.h"
#include "types/stream.h"
#include "types/zset_value.h"

namespace vireo {

RdbWriter::RdbWriter(int fd, bool compress) : fd_(fd), compress_(compress) {}

RdbWriter::RdbWriter(ChunkSink sink, bool compress) : fd_(-1), sink_(std::move(sink)), compress_(compress) {}

RdbWriter::RdbWriter(SpanChunkSink sink, bool compress)
    : fd_(-1), span_sink_(std::move(sink)), compress_(compress) {}

void RdbWriter::Length(uint64_t len) { rdb::AppendLength(buf_, len); }

void RdbWriter::IntString(long long v) {
  if (v >= -128 && v <= 127) {
    Byte(uint8_t((rdb::kEncVal << 6) | rdb::kEncInt8));
    Byte(uint8_t(v));
  } else if (v >= -32768 && v <= 32767) {
    Byte(uint8_t((rdb::kEncVal << 6) | rdb::kEncInt16));
    Byte(uint8_t(v));
    Byte(uint8_t(v >> 8));
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    Byte(uint8_t((rdb::kEncVal << 6) | rdb::kEncInt32));
    for (int i = 0; i < 4; ++i) Byte(uint8_t(uint64_t(v) >> (8 * i)));
  } else {
    char buf[kMaxInt64Chars];
    size_t n = FormatInt64(v, buf);
    Length(n);
    Raw(buf, n);
  }
}

bool RdbWriter::TryLzf(std::string_view s) {
  // Worth it only when it saves at least four bytes, as Redis requires.
  if (s.size() <= 4 || s.size() > UINT32_MAX) return false;
  const size_t room = s.size() - 4;
  scratch_.resize(room + 1);
  const unsigned n = lzf_compress(s.data(), unsigned(s.size()), scratch_.data(), unsigned(room));
  if (n == 0) return false;
  Byte(uint8_t((rdb::kEncVal << 6) | rdb::kEncLzf));
  Length(n);
  Length(s.size());
  Raw(scratch_.data(), n);
  return true;
}

void RdbWriter::String(std::string_view s) {
  long long v;
  // Short strings that are canonical integers in int32 range take the int encodings.
  if (s.size() <= 11 && ParseInt64(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
    IntString(v);
    return;
  }
  if (compress_ && s.size() > 20) {
    if (span_sink_) {
      // The file thread compresses it (RdbChunkEncoder, same rule).
      spans_.push_back({buf_.size(), s.size()});
      Raw(s.data(), s.size());
      return;
    }
    if (TryLzf(s)) return;
  }
  Length(s.size());
  Raw(s.data(), s.size());
}

void RdbWriter::BinaryDouble(double d) {
  uint8_t b[8];
  memcpy(b, &d, 8);  // little-endian host, as the format wants
  Raw(b, 8);
}

void RdbWriter::Header() {
  char h[16];
  snprintf(h, sizeof(h), "%s%04d", rdb::kMagic, rdb::kVersion);
  Raw(h, 9);
}

void RdbWriter::Aux(std::string_view key, std::string_view value) {
  Byte(rdb::kOpAux);
  String(key);
  String(value);
}

void RdbWriter::AuxInt(std::string_view key, long long value) {
  char buf[kMaxInt64Chars];
  Aux(key, std::string_view(buf, FormatInt64(value, buf)));
}

void RdbWriter::StandardAux(int64_t now_sec, uint64_t used_memory, bool aof_base, std::string_view repl_id,
                            long long repl_offset, int repl_stream_db) {
  Aux("redis-ver", "7.0.15");
  AuxInt("redis-bits", 64);
  AuxInt("ctime", now_sec);
  AuxInt("used-mem", (long long)used_memory);
  if (!repl_id.empty()) {
    // What a restarted replica PSYNCs with, and the db its stream is in.
    AuxInt("repl-stream-db", repl_stream_db);
    Aux("repl-id", repl_id);
    AuxInt("repl-offset", repl_offset);
  }
  AuxInt("aof-base", aof_base ? 1 : 0);
}

void RdbWriter::Function(std::string_view code) {
  Byte(rdb::kOpFunction2);
  String(code);
}

void RdbWriter::SelectDb(int db) {
  Byte(rdb::kOpSelectDb);
  Length(uint64_t(db));
}

void RdbWriter::ResizeDb(uint64_t keys, uint64_t expires) {
  Byte(rdb::kOpResizeDb);
  Length(keys);
  Length(expires);
}

uint8_t RdbTypeOf(const Entry* e) {
  switch (e->type()) {
    case ObjType::kString:
      return rdb::kTypeString;
    case ObjType::kList:
      return rdb::kTypeListQuicklist2;
    case ObjType::kSet:
      return e->encoding() == Encoding::kIntset ? rdb::kTypeSetIntset : rdb::kTypeSet;
    case ObjType::kZSet:
      return e->encoding() == Encoding::kListpack ? rdb::kTypeZSetListpack : rdb::kTypeZSet2;
    case ObjType::kHash:
      return e->encoding() == Encoding::kListpack ? rdb::kTypeHashListpack : rdb::kTypeHash;
    case ObjType::kStream:
      return rdb::kTypeStreamListpacks2;
  }
  return rdb::kTypeString;
}

void RdbWriter::Value(const Entry* e) {
  switch (e->type()) {
    case ObjType::kString:
      if (e->encoding() == Encoding::kInt) {
        IntString(e->IntValue());
      } else {
        char scratch[kMaxInt64Chars + 3];
        String(e->StringValue(scratch));
      }
      return;
    case ObjType::kList: {
      const auto* q = static_cast<const Quicklist*>(e->object());
      Length(q->node_count());
      char scratch[Listpack::kScratch];
      // Compressed nodes are written decompressed (Redis writes its LZF
      // block; both load the same). A plain node is its one element.
      q->ForEachNode([&](const Listpack& elements, bool plain) {
        if (plain) {
          Length(rdb::kQuicklistNodePlain);
          String(elements.Get(elements.First(), scratch));
          return;
        }
        Length(rdb::kQuicklistNodePacked);
        RedisListpackBuilder lp;
        for (Listpack::Pos p = elements.First(); p != Listpack::kEnd; p = elements.Next(p)) {
          lp.Append(elements.Get(p, scratch));
        }
        String(lp.Finish());
      });
      return;
    }
    case ObjType::kSet: {
      SetValue s(e->object());
      if (s.is_intset()) {
        String(EncodeIntsetBlob(*static_cast<const Intset*>(e->object())));
      } else {
        Length(s.size());
        s.ForEach([&](std::string_view m) { String(m); });
      }
      return;
    }
    case ObjType::kZSet: {
      const auto* z = static_cast<const ZSetValue*>(e->object());
      if (z->is_listpack()) {
        RedisListpackBuilder lp;
        z->Scan(0, [&](std::string_view m, std::string_view score) {
          lp.Append(m);
          lp.Append(score);
        });
        String(lp.Finish());
      } else {
        // Highest first, as Redis writes them, so a loader inserting at the
        // head builds the list without searching.
        Length(z->size());
        for (ZSetValue::Cursor c = z->AtRank(z->size() - 1); c.valid(); c.Prev()) {
          String(c.member());
          BinaryDouble(c.score());
        }
      }
      return;
    }
    case ObjType::kHash: {
      const auto* h = static_cast<const HashValue*>(e->object());
      if (h->is_listpack()) {
        RedisListpackBuilder lp;
        h->ForEach([&](std::string_view f, std::string_view v) {
          lp.Append(f);
          lp.Append(v);
        });
        String(lp.Finish());
      } else {
        Length(h->size());
        h->ForEach([&](std::string_view f, std::string_view v) {
          String(f);
          String(v);
        });
      }
      return;
    }
    case ObjType::kStream:
      WriteStreamValue(*this, *static_cast<const Stream*>(e->object()));
      return;
  }
}

void RdbWriter::Object(const Entry* e) {
  Byte(RdbTypeOf(e));
  Value(e);
}

void RdbWriter::KeyValue(const Entry* e) {
  if (e->has_expire()) {
    Byte(rdb::kOpExpireTimeMs);
    const int64_t ms = e->expire_ms();
    for (int i = 0; i < 8; ++i) Byte(uint8_t(uint64_t(ms) >> (8 * i)));
  }
  if (access_ == AccessOpcodes::kIdle) {
    Byte(rdb::kOpIdle);
    Length(access_ks_->IdleSeconds(e));
  } else if (access_ == AccessOpcodes::kFreq) {
    Byte(rdb::kOpFreq);
    Byte(uint8_t(access_ks_->access_clock().LfuDecayed(e)));
  }
  Byte(RdbTypeOf(e));
  String(e->key());
  Value(e);
}

bool RdbWriter::FlushChunk(bool last) {
  flushed_ += buf_.size();
  span_sink_(buf_, spans_, last);
  buf_.clear();
  spans_.clear();
  return errno_ == 0;
}

bool RdbWriter::Flush() {
  if (span_sink_) return buf_.empty() || FlushChunk(false);
  if (sink_ && !buf_.empty()) {
    crc_ = Crc64(crc_, buf_.data(), buf_.size());
    flushed_ += buf_.size();
    sink_(buf_);
    buf_.clear();
    return errno_ == 0;
  }
  if (fd_ < 0 || buf_.empty()) return errno_ == 0;
  crc_ = Crc64(crc_, buf_.data(), buf_.size());
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0 && errno_ == 0) {
    ssize_t n = write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      break;
    }
    p += n;
    left -= size_t(n);
  }
  flushed_ += buf_.size();
  buf_.clear();
  return errno_ == 0;
}

bool RdbWriter::Finish(bool checksum) {
  Byte(rdb::kOpEof);
  // Deferred: the encoder keeps the CRC and appends the trailer.
  if (span_sink_) return FlushChunk(true);
  uint64_t crc = 0;
  // crc_ covers what was flushed, the buffer the rest.
  if (checksum) crc = Crc64(crc_, buf_.data(), buf_.size());
  for (int i = 0; i < 8; ++i) Byte(uint8_t(crc >> (8 * i)));
  // The trailer is not part of what the CRC covers; Flush would fold it in,
  // harmlessly, since nothing is written after it.
  return Flush();
}

void RdbWriter::DumpTrailer() {
  Byte(uint8_t(rdb::kVersion & 0xFF));
  Byte(uint8_t(rdb::kVersion >> 8));
  const uint64_t crc = Crc64(0, buf_.data(), buf_.size());
  for (int i = 0; i < 8; ++i) Byte(uint8_t(crc >> (8 * i)));
}

size_t RdbWriter::SerializedLength(const Entry* e, bool compress) {
  RdbWriter w(-1, compress);
  w.Value(e);
  return w.buf_.size();
}

}  // namespace vireo

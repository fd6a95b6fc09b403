// RDB format pieces: CRC-64 and SHA-1 check values, Redis listpack encoding,
// the reader against Redis-written bytes, and corrupt input (every truncation
// of a file fails cleanly and leaves the keyspace as it was).
#include <gtest/gtest.h>

#include <string>

#include "base/sha1.h"
#include "commands/core/command.h"
#include "engine/keyspace.h"
#include "persistence/crc64.h"
#include "persistence/dataset_digest.h"
#include "persistence/packed_formats.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"
#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/stream.h"

namespace vireo {
namespace {

// Collection types register their free/copy functions when bound.
const CommandTable& Types() {
  static CommandTable t;
  return t;
}

TEST(RdbTest, Crc64CheckValue) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  // Split updates give the same result as one pass (slicing by 8 vs bytes).
  std::string s(1000, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = char(i * 7);
  EXPECT_EQ(Crc64(Crc64(0, s.data(), 13), s.data() + 13, s.size() - 13), Crc64(0, s.data(), s.size()));
}

TEST(RdbTest, Sha1CheckValue) {
  uint8_t d[20];
  Sha1Of("abc", 3, d);
  EXPECT_EQ(d[0], 0xa9);
  EXPECT_EQ(d[19], 0x9d);
}

TEST(RdbTest, ListpackRoundTripEveryEncoding) {
  std::vector<std::string> in = {"0", "127", "128", "-1", "-4096", "4095", "32767", "-32768", "8388607",
                                 "-8388608", "2147483647", "-2147483648", "9223372036854775807",
                                 "-9223372036854775808", "007", "-0", "", std::string(63, 'a'),
                                 std::string(64, 'b'), std::string(4095, 'c'), std::string(4096, 'd')};
  RedisListpackBuilder b;
  for (auto& s : in) b.Append(s);
  std::string lp = b.Finish();
  std::vector<std::string> out;
  ASSERT_TRUE(ForEachListpackElement(lp, [&](std::string_view s) {
    out.emplace_back(s);
    return true;
  }));
  EXPECT_EQ(out, in);
  // Every truncation and every single-byte change is refused or decoded
  // without reading outside the blob (ASan watches).
  for (size_t n = 0; n < lp.size(); ++n) {
    EXPECT_FALSE(ForEachListpackElement(lp.substr(0, n), [](std::string_view) { return true; }));
  }
  for (size_t i = 0; i < lp.size(); ++i) {
    std::string bad = lp;
    bad[i] ^= 0x5A;
    ForEachListpackElement(bad, [](std::string_view) { return true; });
  }
}

TEST(RdbTest, RestoresRedisPayload) {
  Types();
  EncodingLimits lim;
  std::string err;
  // redis-server 7.0.15: SET foo bar; DUMP foo
  const std::string payload("\x00\x03" "bar" "\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17", 15);
  Entry* e = LoadDumpPayload(payload, "foo", lim, &err);
  ASSERT_NE(e, nullptr) << err;
  char scratch[32];
  EXPECT_EQ(e->StringValue(scratch), "bar");
  Entry::Free(e);
  std::string bad = payload;
  bad[3] = 'X';
  EXPECT_EQ(LoadDumpPayload(bad, "foo", lim, &err), nullptr);
  EXPECT_EQ(err, "ERR DUMP payload version or checksum are wrong");
}

std::string SampleFile(Keyspace& ks) {
  Types();
  ks.db(0).Add(Entry::NewString("s", "hello"));
  ks.db(0).Add(Entry::NewString("n", "12345"));
  auto* q = new Quicklist(-2);
  for (int i = 0; i < 50; ++i) q->PushBack(std::to_string(i * 1000));
  ks.db(0).Add(Entry::NewObject("l", ObjType::kList, Encoding::kQuicklist, q));
  auto* h = new HashValue();
  h->Set("f", "v");
  h->Set("g", std::string(100, 'x'));
  ks.db(1).Add(Entry::NewObject("h", ObjType::kHash, Encoding::kListpack, h));
  RdbWriter w(-1, true);
  w.Header();
  w.StandardAux(0, 0, false);
  for (int i = 0; i < 2; ++i) {
    w.SelectDb(i);
    ks.db(i).keys().ForEach([&](Entry* e) { w.KeyValue(e); });
  }
  w.Finish(true);
  return w.buffer();
}

TEST(RdbTest, FileRoundTripAndEveryTruncationFails) {
  EncodingLimits lim;
  Keyspace src(4);
  const std::string file = SampleFile(src);
  const std::string digest = DatasetDigestHex(src);

  Keyspace dst(4);
  RdbLoadOptions opts;
  opts.limits = &lim;
  RdbLoadResult res;
  RdbInput in(file);
  ASSERT_TRUE(LoadRdb(in, dst, opts, &res)) << res.error;
  EXPECT_EQ(res.keys_loaded, 4u);
  EXPECT_EQ(DatasetDigestHex(dst), digest);

  // A truncated file never loads and never changes what is there.
  for (size_t n = 0; n < file.size(); ++n) {
    RdbLoadResult r;
    RdbInput cut(std::string_view(file).substr(0, n));
    EXPECT_FALSE(LoadRdb(cut, dst, opts, &r)) << n;
    EXPECT_NE(r.error.find("at offset"), std::string::npos);
  }
  EXPECT_EQ(DatasetDigestHex(dst), digest);
  // A flipped byte is caught (by a check of the format or by the CRC).
  for (size_t i = 9; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] ^= 0x21;
    RdbLoadResult r;
    RdbInput in2(bad);
    EXPECT_FALSE(LoadRdb(in2, dst, opts, &r)) << i;
  }
  EXPECT_EQ(DatasetDigestHex(dst), digest);
}

// redis-server 7.0.15: XADD s 1-1 f v n 5; XADD s 1-2 f w n 6; XADD s 2-0
// other x; XDEL s 1-2; XGROUP CREATE s g 0; XREADGROUP GROUP g c1 COUNT 1
// STREAMS s >; DUMP s (a node with a deleted entry and one with other
// fields, a group whose entries-read is unknown, a PEL entry owned by c1).
const std::string& RedisStreamPayload() {
  static const std::string p(
      "\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x40\x44\x44\x00\x00"
      "\x00\x19\x00\x02\x01\x01\x01\x02\x01\x81\x66\x02\x81\x6e\x02\x00\x01\x02\x01\x00\x01\x00\x01\x81"
      "\x76\x02\x05\x01\x05\x01\x03\x01\x00\x01\x01\x01\x81\x77\x02\x06\x01\x05\x01\x00\x01\x01\x01\xdf"
      "\xff\x02\x01\x01\x85\x6f\x74\x68\x65\x72\x06\x81\x78\x02\x06\x01\xff\x02\x02\x00\x01\x01\x01\x02"
      "\x03\x01\x01\x67\x01\x01\x81\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00\x00\x00\x00\x00\x00\x00\x01"
      "\x00\x00\x00\x00\x00\x00\x00\x01\xf4\xa3\x15\x40\xa2\x01\x00\x00\x01\x01\x02\x63\x31\xf4\xa3\x15"
      "\x40\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x0a\x00"
      "\x88\x66\xba\x8d\x74\xb1\x4b\x26",
      176);
  return p;
}

// Restores payload and DUMPs it again.
std::string Redump(const std::string& payload, std::string* err) {
  EncodingLimits lim;
  Entry* e = LoadDumpPayload(payload, "s", lim, err);
  if (!e) return "";
  RdbWriter w;
  w.Object(e);
  w.DumpTrailer();
  Entry::Free(e);
  return w.buffer();
}

std::string WithTrailer(std::string body) {
  body.push_back(char(rdb::kVersion));
  body.push_back('\0');
  const uint64_t crc = Crc64(0, body.data(), body.size());
  for (int i = 0; i < 8; ++i) body.push_back(char(crc >> (8 * i)));
  return body;
}

TEST(RdbTest, StreamPayloadRoundTripsByteForByte) {
  Types();
  std::string err;
  EncodingLimits lim;
  Entry* e = LoadDumpPayload(RedisStreamPayload(), "s", lim, &err);
  ASSERT_NE(e, nullptr) << err;
  const auto* s = static_cast<const Stream*>(e->object());
  EXPECT_EQ(s->length(), 2u);
  EXPECT_EQ(s->last_id(), (StreamID{2, 0}));
  EXPECT_EQ(s->max_deleted_id(), (StreamID{1, 2}));
  EXPECT_EQ(s->entries_added(), 3u);
  const StreamGroup* g = s->FindGroup("g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->pel.size(), 1u);
  ASSERT_NE(g->FindConsumer("c1"), nullptr);
  EXPECT_EQ(g->FindConsumer("c1")->pel.size(), 1u);
  Entry::Free(e);
  EXPECT_EQ(Redump(RedisStreamPayload(), &err), RedisStreamPayload());
}

TEST(RdbTest, ForgedStreamPayloadsAreRefusedOrConsistent) {
  Types();
  const std::string body = RedisStreamPayload().substr(0, RedisStreamPayload().size() - 10);
  // Every truncation fails; every changed byte either fails or gives a
  // stream that serializes again (ASan watches the reads).
  for (size_t n = 1; n < body.size(); ++n) {
    std::string err;
    EXPECT_EQ(Redump(WithTrailer(body.substr(0, n)), &err), "") << n;
    EXPECT_EQ(err, "ERR Bad data format");
  }
  for (size_t i = 1; i < body.size(); ++i) {
    for (int delta : {1, 0x40, 0x80, 0xff}) {
      std::string bad = body;
      bad[i] = char(uint8_t(bad[i]) + delta);
      std::string err;
      const std::string again = Redump(WithTrailer(bad), &err);
      if (!again.empty()) {
        std::string err2;
        EXPECT_EQ(Redump(again, &err2), again) << i << " " << delta;
      }
    }
  }
}

TEST(RdbTest, FunctionPayloads) {
  // One library, as FUNCTION DUMP writes it.
  const std::string code = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";
  RdbWriter w;
  w.Function(code);
  w.DumpTrailer();
  std::vector<std::string> codes;
  std::string err;
  ASSERT_TRUE(ParseFunctionPayload(w.buffer(), &codes, &err)) << err;
  EXPECT_EQ(codes, std::vector<std::string>{code});
  codes.clear();
  // 7.0 release candidates: name, engine, no description, body.
  ASSERT_TRUE(ParseFunctionPayload(WithTrailer(std::string("\xf6\x01" "a" "\x03" "LUA" "\x00" "\x03" "x=1", 12)),
                                   &codes, &err));
  EXPECT_EQ(codes, std::vector<std::string>{"#!LUA name=a\nx=1"});
  EXPECT_FALSE(ParseFunctionPayload(WithTrailer(std::string("\x00\x01" "a", 3)), &codes, &err));
  EXPECT_EQ(err, "given type is not a function");
  EXPECT_FALSE(ParseFunctionPayload(WithTrailer("\xf5"), &codes, &err));
  EXPECT_EQ(err, "Failed loading library payload");
  EXPECT_FALSE(ParseFunctionPayload(WithTrailer("\xf6"), &codes, &err));
  EXPECT_EQ(err, "Failed loading library name");
  EXPECT_FALSE(ParseFunctionPayload("short", &codes, &err));
  EXPECT_EQ(err, "DUMP payload version or checksum are wrong");
}

}  // namespace
}  // namespace vireo

#include "persistence/dataset_digest.h"

#include <cstdio>
#include <cstring>

#include "base/numbers.h"
#include "base/sha1.h"
#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/set_value.h"
#include "types/stream.h"
#include "types/zset_value.h"

namespace vireo {
namespace {

using Digest = uint8_t[20];

// digest ^= sha1(data): order-independent accumulation.
void XorDigest(uint8_t* digest, const void* data, size_t len) {
  uint8_t h[20];
  Sha1Of(data, len, h);
  for (int i = 0; i < 20; ++i) digest[i] ^= h[i];
}

// digest = sha1(digest ^ sha1(data)): order-dependent accumulation.
void MixDigest(uint8_t* digest, const void* data, size_t len) {
  XorDigest(digest, data, len);
  Sha1Of(digest, 20, digest);
}
void MixDigest(uint8_t* digest, std::string_view s) { MixDigest(digest, s.data(), s.size()); }

// Scores are mixed as "%.17g" text, whatever the encoding holds.
void MixScore(uint8_t* digest, double score) {
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%.17g", score);
  MixDigest(digest, buf, size_t(n));
}

void ObjectDigest(const Entry* e, uint8_t* digest) {
  const uint8_t type_be[4] = {0, 0, 0, uint8_t(e->type())};
  MixDigest(digest, type_be, 4);
  switch (e->type()) {
    case ObjType::kString: {
      char scratch[kMaxInt64Chars + 3];
      MixDigest(digest, e->StringValue(scratch));
      break;
    }
    case ObjType::kList: {
      const auto* q = static_cast<const Quicklist*>(e->object());
      char scratch[Listpack::kScratch];
      for (Quicklist::Cursor c = q->Front(); c.valid(); c = q->Next(c)) MixDigest(digest, q->Get(c, scratch));
      break;
    }
    case ObjType::kSet:
      SetValue(e->object()).ForEach([&](std::string_view m) { XorDigest(digest, m.data(), m.size()); });
      break;
    case ObjType::kZSet: {
      const auto* z = static_cast<const ZSetValue*>(e->object());
      for (ZSetValue::Cursor c = z->AtRank(0); c.valid(); c.Next()) {
        Digest ele = {};
        MixDigest(ele, c.member());
        MixScore(ele, c.score());
        XorDigest(digest, ele, 20);
      }
      break;
    }
    case ObjType::kHash:
      static_cast<const HashValue*>(e->object())->ForEach([&](std::string_view f, std::string_view v) {
        Digest ele = {};
        MixDigest(ele, f);
        MixDigest(ele, v);
        XorDigest(digest, ele, 20);
      });
      break;
    case ObjType::kStream: {
      // Each live entry, in ID order: "ms.seq", then its fields and values,
      // mixed straight into the key's digest (consumer groups are not part
      // of it, as in Redis).
      const auto* st = static_cast<const Stream*>(e->object());
      st->Range(StreamID::Min(), StreamID::Max(), false, 0, [&](const StreamEntry& se) {
        char id[2 * kMaxInt64Chars + 2];
        size_t n = FormatUint64(se.id.ms, id);
        id[n++] = '.';
        n += FormatUint64(se.id.seq, id + n);
        MixDigest(digest, id, n);
        for (const std::string& f : se.fields) MixDigest(digest, f);
        return true;
      });
      break;
    }
  }
  if (e->has_expire()) XorDigest(digest, "!!expire!!", 10);
}

std::string Hex(const uint8_t* d) {
  static const char kHex[] = "0123456789abcdef";
  std::string s(40, '0');
  for (int i = 0; i < 20; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 15];
  }
  return s;
}

}  // namespace

std::string DatasetDigestHex(Keyspace& ks) {
  Digest final = {};
  bool any = false;
  for (int i = 0; i < ks.count(); ++i) {
    Database& db = ks.db(i);
    if (db.size() == 0) continue;
    any = true;
    const uint8_t id_be[4] = {uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    MixDigest(final, id_be, 4);
    db.keys().ForEach([&](Entry* e) {
      Digest d = {};
      MixDigest(d, e->key());
      ObjectDigest(e, d);
      XorDigest(final, d, 20);
    });
  }
  if (!any) return std::string(40, '0');
  return Hex(final);
}

std::string ValueDigestHex(const Entry* e) {
  Digest d = {};
  if (e) ObjectDigest(e, d);
  return Hex(d);
}

}  // namespace vireo

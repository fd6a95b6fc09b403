#include "persistence/rdb_reader.h"

#include <unistd.h>

#include <liblzf/lzf.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/numbers.h"
#include "persistence/crc64.h"
#include "persistence/packed_formats.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_stream.h"
#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/set_value.h"
#include "types/stream.h"
#include "types/zset_value.h"

namespace vireo {
namespace {

// Thrown inside the loader only; LoadRdb/LoadDumpPayload turn it into an
// error text. Everything built so far is owned by RAII holders, so unwinding
// frees it.
struct Corrupt {
  std::string what;
  bool eof = false;  // the data ended (vireo-check-rdb says so as Redis does)
};

[[noreturn]] void Fail(std::string what) { throw Corrupt{std::move(what)}; }
[[noreturn]] void FailEof(std::string what) { throw Corrupt{std::move(what), true}; }

struct SetDeleter {
  void operator()(void* p) const { SetValue::Free(p); }
};
struct EntryDeleter {
  void operator()(Entry* e) const { Entry::Free(e); }
};
using EntryPtr = std::unique_ptr<Entry, EntryDeleter>;

class Loader : public RdbValueSource {
 public:
  Loader(RdbInput& in, const EncodingLimits& lim) : in_(in), lim_(lim) {}

  // RdbValueSource (the stream reader's view).
  uint64_t ReadLength() override { return Length(); }
  std::string ReadString() override { return String(); }
  void ReadBytes(void* out, size_t n) override { Bytes(out, n); }
  [[noreturn]] void Reject(const std::string& what) override { Fail(what); }

  void Bytes(void* out, size_t n) {
    if (!in_.Read(out, n)) FailEof("unexpected end of data");
  }
  uint8_t U8() {
    uint8_t b;
    Bytes(&b, 1);
    return b;
  }
  uint64_t LittleEndian(int n) {
    uint8_t b[8];
    Bytes(b, size_t(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
  }

  // A length, or (when *encoded) the special string encoding number.
  uint64_t Length(bool* encoded) {
    *encoded = false;
    const uint8_t b = U8();
    switch (b >> 6) {
      case 0:
        return b & 0x3F;
      case 1:
        return (uint64_t(b & 0x3F) << 8) | U8();
      case 2: {
        int n;
        if (b == rdb::kLen32Bit) n = 4;
        else if (b == rdb::kLen64Bit) n = 8;
        else Fail("unknown length encoding " + std::to_string(b));
        uint8_t be[8];
        Bytes(be, size_t(n));
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) v = (v << 8) | be[i];
        return v;
      }
      default:
        *encoded = true;
        return b & 0x3F;
    }
  }
  // A plain length. A string-encoding marker here reads as its low six
  // bits, as Redis's rdbLoadLen does when no encoding is expected.
  uint64_t Length() {
    bool enc;
    return Length(&enc);
  }

  void CheckAvailable(uint64_t n) {
    if (n > in_.remaining()) FailEof("length " + std::to_string(n) + " runs past the end of the data");
  }

  std::string String() {
    bool enc;
    const uint64_t len = Length(&enc);
    if (enc) {
      switch (len) {
        case rdb::kEncInt8:
          return Int64ToString(int8_t(LittleEndian(1)));
        case rdb::kEncInt16:
          return Int64ToString(int16_t(LittleEndian(2)));
        case rdb::kEncInt32:
          return Int64ToString(int32_t(LittleEndian(4)));
        case rdb::kEncLzf: {
          const uint64_t clen = Length(), ulen = Length();
          CheckAvailable(clen);
          std::string c(clen, '\0');
          Bytes(c.data(), clen);
          // LZF expands at most ~130x: a larger claim is forged (and is not
          // allocated). An empty result is what Redis's decompression
          // accepts for a zero length, whatever the compressed bytes.
          if (ulen == 0) return std::string();
          if (clen > UINT32_MAX || ulen > UINT32_MAX || ulen / 1024 > clen) Fail("Invalid LZF compressed string");
          std::string out(ulen, '\0');
          if (lzf_decompress(c.data(), unsigned(clen), out.data(), unsigned(ulen)) != ulen) {
            Fail("Invalid LZF compressed string");
          }
          return out;
        }
        default:
          Fail("unknown string encoding " + std::to_string(len));
      }
    }
    CheckAvailable(len);
    std::string s(len, '\0');
    Bytes(s.data(), len);
    return s;
  }

  double BinaryDouble() {
    uint64_t u = LittleEndian(8);
    double d;
    memcpy(&d, &u, 8);
    return d;
  }
  // Old text doubles: a length byte (253 nan, 254 +inf, 255 -inf) then text.
  double TextDouble() {
    const uint8_t n = U8();
    if (n == 253) return NAN;
    if (n == 254) return INFINITY;
    if (n == 255) return -INFINITY;
    char buf[256];
    Bytes(buf, n);
    buf[n] = '\0';
    char* end;
    double d = strtod(buf, &end);
    if (end != buf + n) Fail("bad double value");
    return d;
  }

  EntryPtr Object(uint8_t type, std::string_view key);
  std::string FunctionCode(uint8_t opcode);

 private:
  EntryPtr List(std::string_view key, uint8_t type);
  EntryPtr Set(std::string_view key, uint8_t type);
  EntryPtr ZSet(std::string_view key, uint8_t type);
  EntryPtr Hash(std::string_view key, uint8_t type);

  RdbInput& in_;
  const EncodingLimits& lim_;
};

EntryPtr Loader::List(std::string_view key, uint8_t type) {
  auto q = std::make_unique<Quicklist>(lim_.list_max_listpack_size, lim_.list_compress_depth);
  auto push = [&](std::string_view s) {
    q->PushBack(s);
    return true;
  };
  if (type == rdb::kTypeList) {
    for (uint64_t n = Length(); n > 0; --n) q->PushBack(String());
  } else if (type == rdb::kTypeListZiplist) {
    if (!ForEachZiplistElement(String(), push)) Fail("corrupt ziplist");
  } else {
    for (uint64_t nodes = Length(); nodes > 0; --nodes) {
      uint64_t container = rdb::kQuicklistNodePacked;
      if (type == rdb::kTypeListQuicklist2) {
        container = Length();
        if (container != rdb::kQuicklistNodePlain && container != rdb::kQuicklistNodePacked) {
          Fail("unknown quicklist node container " + std::to_string(container));
        }
      }
      std::string blob = String();
      if (container == rdb::kQuicklistNodePlain) {
        q->AppendNode(blob, true);
      } else if (type == rdb::kTypeListQuicklist) {
        if (!ForEachZiplistElement(blob, push)) Fail("corrupt quicklist ziplist node");
      } else {
        if (!ForEachListpackElement(blob, push)) Fail("corrupt quicklist listpack node");
      }
    }
  }
  if (q->empty()) return nullptr;
  return EntryPtr(Entry::NewObject(key, ObjType::kList, Encoding::kQuicklist, q.release()));
}

EntryPtr Loader::Set(std::string_view key, uint8_t type) {
  std::unique_ptr<void, SetDeleter> obj;
  auto add = [&](std::string_view m) {
    if (!obj) obj.reset(type == rdb::kTypeSetIntset ? SetValue::CreateIntset() : SetValue::CreateFor(m));
    SetValue s(obj.get());
    const bool added = s.Add(m, size_t(lim_.set_max_intset_entries));
    obj.release();
    obj.reset(s.object());
    if (!added) Fail("duplicate set member");
    return true;
  };
  if (type == rdb::kTypeSet) {
    for (uint64_t n = Length(); n > 0; --n) add(String());
  } else {
    std::vector<int64_t> values;
    if (!DecodeIntsetBlob(String(), &values)) Fail("corrupt intset");
    char buf[kMaxInt64Chars];
    for (int64_t v : values) add(std::string_view(buf, FormatInt64(v, buf)));
  }
  if (!obj) return nullptr;
  const Encoding enc = SetValue(obj.get()).is_intset() ? Encoding::kIntset : Encoding::kHashtable;
  return EntryPtr(Entry::NewObject(key, ObjType::kSet, enc, obj.release()));
}

EntryPtr Loader::ZSet(std::string_view key, uint8_t type) {
  const ZSetLimits zl{size_t(lim_.zset_max_listpack_entries), size_t(lim_.zset_max_listpack_value)};
  std::unique_ptr<ZSetValue> z;
  auto add = [&](std::string_view member, double score) {
    if (std::isnan(score)) Fail("NaN score in a sorted set");
    if (!z) z.reset(ZSetValue::CreateFor(member, zl));
    double out;
    if (z->Add(member, score, 0, zl, &out) != ZSetValue::AddResult::kAdded) Fail("duplicate sorted set member");
  };
  if (type == rdb::kTypeZSet || type == rdb::kTypeZSet2) {
    for (uint64_t n = Length(); n > 0; --n) {
      std::string m = String();
      add(m, type == rdb::kTypeZSet2 ? BinaryDouble() : TextDouble());
    }
  } else {
    std::string member;
    bool have_member = false;
    auto visit = [&](std::string_view s) {
      if (!have_member) {
        member.assign(s);
        have_member = true;
        return true;
      }
      have_member = false;
      double score;
      // Scores are integers or strtod-readable text, as Redis writes them.
      std::string text(s);
      char* end;
      score = strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) Fail("bad score in a sorted set");
      add(member, score);
      return true;
    };
    std::string blob = String();
    const bool ok = type == rdb::kTypeZSetZiplist ? ForEachZiplistElement(blob, visit)
                                                  : ForEachListpackElement(blob, visit);
    if (!ok || have_member) Fail("corrupt sorted set blob");
  }
  if (!z || z->size() == 0) return nullptr;
  const Encoding enc = z->is_listpack() ? Encoding::kListpack : Encoding::kSkiplist;
  return EntryPtr(Entry::NewObject(key, ObjType::kZSet, enc, z.release()));
}

EntryPtr Loader::Hash(std::string_view key, uint8_t type) {
  auto h = std::make_unique<HashValue>();
  const size_t max_value = size_t(lim_.hash_max_listpack_value);
  auto add = [&](std::string_view f, std::string_view v) {
    if (h->is_listpack() && (f.size() > max_value || v.size() > max_value)) h->ConvertToTable();
    if (!h->Set(f, v)) Fail("duplicate hash field");
    if (h->is_listpack() && h->size() > size_t(lim_.hash_max_listpack_entries)) h->ConvertToTable();
    return true;
  };
  if (type == rdb::kTypeHash) {
    for (uint64_t n = Length(); n > 0; --n) {
      std::string f = String();
      std::string v = String();
      add(f, v);
    }
  } else if (type == rdb::kTypeHashZipmap) {
    if (!ForEachZipmapPair(String(), add)) Fail("corrupt zipmap");
  } else {
    std::string field;
    bool have_field = false;
    auto visit = [&](std::string_view s) {
      if (!have_field) {
        field.assign(s);
        have_field = true;
        return true;
      }
      have_field = false;
      return add(field, s);
    };
    std::string blob = String();
    const bool ok = type == rdb::kTypeHashZiplist ? ForEachZiplistElement(blob, visit)
                                                  : ForEachListpackElement(blob, visit);
    if (!ok || have_field) Fail("corrupt hash blob");
  }
  if (h->empty()) return nullptr;
  const Encoding enc = h->is_listpack() ? Encoding::kListpack : Encoding::kHashtable;
  return EntryPtr(Entry::NewObject(key, ObjType::kHash, enc, h.release()));
}

EntryPtr Loader::Object(uint8_t type, std::string_view key) {
  switch (type) {
    case rdb::kTypeString: {
      std::string v = String();
      return EntryPtr(Entry::NewString(key, v));
    }
    case rdb::kTypeList:
    case rdb::kTypeListZiplist:
    case rdb::kTypeListQuicklist:
    case rdb::kTypeListQuicklist2:
      return List(key, type);
    case rdb::kTypeSet:
    case rdb::kTypeSetIntset:
      return Set(key, type);
    case rdb::kTypeZSet:
    case rdb::kTypeZSet2:
    case rdb::kTypeZSetZiplist:
    case rdb::kTypeZSetListpack:
      return ZSet(key, type);
    case rdb::kTypeHash:
    case rdb::kTypeHashZipmap:
    case rdb::kTypeHashZiplist:
    case rdb::kTypeHashListpack:
      return Hash(key, type);
    case rdb::kTypeStreamListpacks:
    case rdb::kTypeStreamListpacks2: {
      // An empty stream is a value (unlike an empty list): it is kept.
      std::unique_ptr<Stream> st = ReadStreamValue(*this, type);
      return EntryPtr(Entry::NewObject(key, ObjType::kStream, Encoding::kStream, st.release()));
    }
    case rdb::kTypeModulePre:
    case rdb::kTypeModule2:
      Fail("module values are not supported by vireo-server");
    default:
      Fail("unknown value type " + std::to_string(type));
  }
}

// A library record after its opcode, with the texts Redis gives each
// failure. 246 (7.0 release candidates) holds name, engine, an optional
// description and the body: turned into the code 7.0 keeps, as Redis does.
std::string Loader::FunctionCode(uint8_t opcode) {
  auto read = [&](const char* what) {
    try {
      return String();
    } catch (const Corrupt&) {
      Fail(what);
    }
  };
  if (opcode == rdb::kOpFunction2) return read("Failed loading library payload");
  std::string name = read("Failed loading library name");
  std::string engine = read("Failed loading engine name");
  uint64_t has_desc;
  try {
    has_desc = Length();
  } catch (const Corrupt&) {
    Fail("Failed loading library description indicator");
  }
  if (has_desc) read("Failed loading library description");
  std::string body = read("Failed loading library blob");
  return "#!" + engine + " name=" + name + "\n" + body;
}

// DUMP's trailer: RDB version (<= ours) and the CRC-64 of everything before it.
bool DumpTrailerValid(std::string_view payload) {
  if (payload.size() < 10) return false;
  const uint8_t* tail = reinterpret_cast<const uint8_t*>(payload.data()) + payload.size() - 10;
  const unsigned version = tail[0] | (tail[1] << 8);
  uint64_t crc = 0;
  for (int i = 0; i < 8; ++i) crc |= uint64_t(tail[2 + i]) << (8 * i);
  if (version > unsigned(rdb::kVersion)) return false;
  return SkipChecksumValidation() || Crc64(0, payload.data(), payload.size() - 8) == crc;
}

std::atomic<bool> g_skip_checksum{false};

}  // namespace

void SetSkipChecksumValidation(bool on) { g_skip_checksum.store(on, std::memory_order_relaxed); }
bool SkipChecksumValidation() { return g_skip_checksum.load(std::memory_order_relaxed); }

bool ParseFunctionPayload(std::string_view payload, std::vector<std::string>* codes, std::string* error) {
  if (!DumpTrailerValid(payload)) {
    *error = "DUMP payload version or checksum are wrong";
    return false;
  }
  // Redis reads the records from the whole payload and stops when only the
  // trailer's 10 bytes are left (a record may run into them).
  RdbInput in(payload);
  const EncodingLimits limits;
  Loader ld(in, limits);
  try {
    while (payload.size() - in.offset() > 10) {
      const uint8_t type = ld.U8();
      if (type != rdb::kOpFunction2 && type != rdb::kOpFunction) Fail("given type is not a function");
      codes->push_back(ld.FunctionCode(type));
    }
  } catch (const Corrupt& c) {
    *error = c.what;
    return false;
  }
  return true;
}

bool LoadRdb(RdbInput& in, Keyspace& target, const RdbLoadOptions& opts, RdbLoadResult* result) {
  Keyspace staging(target.count());
  staging.access_clock() = target.access_clock();  // the same layout (LRU or LFU) and parameters
  staging.UpdateLruClock(opts.now_ms);
  Loader ld(in, *opts.limits);
  try {
    char header[9];
    ld.Bytes(header, 9);
    if (memcmp(header, rdb::kMagic, 5) != 0) Fail("wrong signature trying to load DB from file");
    int version = 0;
    for (int i = 5; i < 9; ++i) {
      if (header[i] < '0' || header[i] > '9') Fail("wrong signature trying to load DB from file");
      version = version * 10 + (header[i] - '0');
    }
    if (version < 1 || version > rdb::kVersion) Fail("Can't handle RDB format version " + std::to_string(version));
    result->version = version;
    int db = 0;
    int64_t expire_ms = 0;
    bool has_expire = false;
    uint64_t idle = UINT64_MAX;
    int freq = -1;
    uint64_t next_progress = opts.progress_interval;
    uint64_t delayed_keys = 0;
    while (true) {
      if (opts.progress && in.offset() >= next_progress) {
        opts.progress(in.offset());
        next_progress = in.offset() + opts.progress_interval;
      }
      if (opts.key_delay > 0) {
        usleep(useconds_t(opts.key_delay));
      } else if (opts.key_delay < 0 && ++delayed_keys % uint64_t(-int64_t(opts.key_delay)) == 0) {
        usleep(1);
      }
      const uint8_t type = ld.U8();
      if (type == rdb::kOpExpireTime) {
        expire_ms = int64_t(int32_t(ld.LittleEndian(4))) * 1000;
        has_expire = true;
        continue;
      }
      if (type == rdb::kOpExpireTimeMs) {
        expire_ms = int64_t(ld.LittleEndian(8));
        has_expire = true;
        continue;
      }
      if (type == rdb::kOpFreq) {
        freq = ld.U8();
        continue;
      }
      if (type == rdb::kOpIdle) {
        idle = ld.Length();
        continue;
      }
      if (type == rdb::kOpEof) break;
      if (type == rdb::kOpSelectDb) {
        const uint64_t n = ld.Length();
        if (n >= uint64_t(staging.count())) {
          Fail("the file selects database " + std::to_string(n) + " but databases is " +
               std::to_string(staging.count()));
        }
        db = int(n);
        continue;
      }
      if (type == rdb::kOpResizeDb) {
        ld.Length();
        ld.Length();
        continue;
      }
      if (type == rdb::kOpAux) {
        std::string k = ld.String();
        std::string v = ld.String();
        result->aux[k] = v;
        continue;
      }
      if (type == rdb::kOpModuleAux) Fail("module data is not supported by vireo-server");
      if (type == rdb::kOpFunction || type == rdb::kOpFunction2) {
        result->functions.push_back(ld.FunctionCode(type));
        continue;
      }
      std::string key = ld.String();
      EntryPtr e = ld.Object(type, key);
      const int64_t when = expire_ms;
      const bool with_expire = has_expire;
      const uint64_t key_idle = idle;
      const int key_freq = freq;
      has_expire = false;
      idle = UINT64_MAX;
      freq = -1;
      if (!e) {
        ++result->empty_skipped;
        continue;
      }
      if (with_expire) {
        if (opts.drop_expired && when <= opts.now_ms) {
          ++result->expired_skipped;
          continue;
        }
        e.reset(Entry::WithExpire(e.release(), true, when));
      }
      Database& d = staging.db(db);
      if (d.Find(key)) Fail("duplicate key '" + key + "' in database " + std::to_string(db));
      Entry* raw = e.release();
      d.Add(raw);
      // Redis's objectSetLRUOrLFU: the counter under an LFU policy, the idle
      // time otherwise.
      if (staging.access_clock().lfu) {
        if (key_freq >= 0) raw->set_lru((staging.access_clock().minutes << 8) | uint32_t(key_freq));
      } else if (key_idle != UINT64_MAX) {
        raw->set_lru(uint32_t(staging.lru_clock() - (key_idle & Keyspace::kLruMask)) & Keyspace::kLruMask);
      }
      ++result->keys_loaded;
    }
    if (version >= 5) {
      const uint64_t computed = in.crc();
      const uint64_t stored = ld.LittleEndian(8);
      if (opts.verify_checksum && stored != 0 && stored != computed && !SkipChecksumValidation()) {
        Fail("wrong RDB checksum");
      }
    }
    std::string function_error;
    if (opts.apply_functions && !opts.apply_functions(result->functions, &function_error)) {
      Fail("Failed loading library, " + function_error);
    }
  } catch (const Corrupt& c) {
    result->error = c.what + " at offset " + std::to_string(in.offset());
    return false;
  }
  for (int i = 0; i < target.count(); ++i) {
    // The old contents end up in staging, freed when it goes out of scope.
    target.db(i).SwapContents(staging.db(i));
  }
  return true;
}

namespace {

// redis-check-rdb's names of what it was doing and of the value types.
const char* const kCheckDoing[] = {"start",     "read-type", "read-expire", "read-key",        "read-object-value",
                                   "check-sum", "read-len",  "read-aux",    "read-module-aux", "read-functions"};
enum CheckDoing { kStart, kReadType, kReadExpire, kReadKey, kReadValue, kCheckSum, kReadLen, kReadAux,
                  kReadModuleAux, kReadFunctions };
const char* const kCheckTypeNames[] = {"string",       "list-linked",  "set-hashtable", "zset-v1",
                                       "hash-hashtable", "zset-v2",    "module-value",  "",
                                       "",             "hash-zipmap",  "list-ziplist",  "set-intset",
                                       "zset-ziplist", "hash-ziplist", "quicklist",     "stream",
                                       "hash-listpack", "zset-listpack", "quicklist-v2"};

// The 9-character name Redis derives from a module type ID (its top 54 bits).
std::string ModuleTypeName(uint64_t id) {
  static const char kSet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, ' ');
  id >>= 10;
  for (int j = 8; j >= 0; --j) {
    name[size_t(j)] = kSet[id & 63];
    id >>= 6;
  }
  return name;
}

// A text as C's "%s" prints it: up to the first NUL.
std::string_view CText(std::string_view s) { return s.substr(0, s.find('\0')); }

// A module value without its module: the generic opcodes Redis's checker
// walks (signed/unsigned integer, string, float, double) up to EOF.
void SkipModuleValue(Loader& ld, const std::string& name) {
  for (uint64_t op = ld.Length(); op != 0; op = ld.Length()) {
    try {
      switch (op) {
        case 1:
        case 2:
          ld.Length();
          break;
        case 3:
          ld.LittleEndian(4);
          break;
        case 4:
          ld.LittleEndian(8);
          break;
        case 5:
          ld.String();
          break;
        default:
          break;  // Redis's walk reads the next opcode
      }
    } catch (const Corrupt&) {
      static const char* const kWhat[] = {"", "integer", "integer", "float", "double", "string"};
      Fail(std::string("Error reading ") + kWhat[op] + " from module " + name + " value");
    }
  }
}

}  // namespace

bool CheckRdb(RdbInput& in, std::string_view name, int64_t now_ms,
              const std::function<void(std::string_view line)>& emit) {
  const EncodingLimits limits;
  Loader ld(in, limits);
  int doing = kStart;
  int key_type = 0;  // Redis's state starts zeroed: "Reading type 0" until the first key
  bool have_key = false;
  std::string key;
  uint64_t keys = 0, expires = 0, already_expired = 0;
  auto info = [&](const std::string& msg) { emit("[offset " + std::to_string(in.offset()) + "] " + msg); };
  auto generic = [&] {
    emit("[info] " + std::to_string(keys) + " keys read");
    emit("[info] " + std::to_string(expires) + " expires");
    emit("[info] " + std::to_string(already_expired) + " already expired");
  };
  auto error = [&](const std::string& msg) {
    emit("--- RDB ERROR DETECTED ---");
    info(msg);
    emit(std::string("[additional info] While doing: ") + kCheckDoing[doing]);
    if (have_key) emit("[additional info] Reading key '" + std::string(CText(key)) + "'");
    if (key_type != -1) {
      const char* tn = unsigned(key_type) < sizeof(kCheckTypeNames) / sizeof(kCheckTypeNames[0])
                           ? kCheckTypeNames[key_type]
                           : "unknown";
      emit("[additional info] Reading type " + std::to_string(key_type) + " (" + tn + ")");
    }
    generic();
    return false;
  };
  info("Checking RDB file " + std::string(name));
  try {
    char header[10] = {};
    ld.Bytes(header, 9);
    if (memcmp(header, rdb::kMagic, 5) != 0) return error("Wrong signature trying to load DB from file");
    const int version = atoi(header + 5);
    if (version < 1 || version > rdb::kVersion) {
      return error("Can't handle RDB format version " + std::to_string(version));
    }
    int64_t expire = -1;
    while (true) {
      doing = kReadType;
      const uint8_t type = ld.U8();
      if (type == rdb::kOpExpireTime) {
        doing = kReadExpire;
        expire = int64_t(int32_t(ld.LittleEndian(4))) * 1000;
        continue;
      }
      if (type == rdb::kOpExpireTimeMs) {
        doing = kReadExpire;
        expire = int64_t(ld.LittleEndian(8));
        continue;
      }
      if (type == rdb::kOpFreq) {
        ld.U8();
        continue;
      }
      if (type == rdb::kOpIdle) {
        ld.Length();
        continue;
      }
      if (type == rdb::kOpEof) break;
      if (type == rdb::kOpSelectDb) {
        doing = kReadLen;
        const uint64_t db = ld.Length();
        info("Selecting DB ID " + std::to_string(db));
        continue;
      }
      if (type == rdb::kOpResizeDb) {
        doing = kReadLen;
        ld.Length();
        ld.Length();
        continue;
      }
      if (type == rdb::kOpAux) {
        doing = kReadAux;
        std::string k = ld.String();
        std::string v = ld.String();
        info("AUX FIELD " + std::string(CText(k)) + " = '" + std::string(CText(v)) + "'");
        continue;
      }
      if (type == rdb::kOpModuleAux) {
        doing = kReadModuleAux;
        const uint64_t id = ld.Length();
        const uint64_t when_opcode = ld.Length();
        ld.Length();
        if (when_opcode != 2) return error("bad when_opcode");
        const std::string mod = ModuleTypeName(id);
        info("MODULE AUX for: " + mod);
        SkipModuleValue(ld, mod);
        continue;
      }
      if (type == rdb::kOpFunction || type == rdb::kOpFunction2) {
        doing = kReadFunctions;
        try {
          ld.FunctionCode(type);
        } catch (const Corrupt& c) {
          return error("Failed loading library, " + c.what);
        }
        continue;
      }
      if (!((type <= 7) || (type >= 9 && type <= rdb::kTypeStreamListpacks2))) {
        return error("Invalid object type: " + std::to_string(type));
      }
      key_type = type;
      doing = kReadKey;
      key = ld.String();
      have_key = true;
      ++keys;
      doing = kReadValue;
      if (type == rdb::kTypeModulePre || type == rdb::kTypeModule2) {
        const std::string mod = ModuleTypeName(ld.Length());
        if (type == rdb::kTypeModulePre) {
          return error("The RDB file contains module data I can't load: no matching module type '" + mod + "'");
        }
        SkipModuleValue(ld, mod);
      } else {
        // A value that decodes is checked whole (the stream reader
        // validates too). An empty collection, which the server skips,
        // stops redis-check-rdb as an unexpected end: the same here.
        if (!ld.Object(type, key)) return error("Unexpected EOF reading RDB file");
      }
      if (expire != -1 && expire < now_ms) ++already_expired;
      if (expire != -1) ++expires;
      have_key = false;
      key_type = -1;
      expire = -1;
    }
    if (version >= 5) {
      doing = kCheckSum;
      const uint64_t expected = in.crc();
      const uint64_t stored = ld.LittleEndian(8);
      if (stored == 0) {
        info("RDB file was saved with checksum disabled: no check performed.");
      } else if (stored != expected) {
        return error("RDB CRC error");
      } else {
        info("Checksum OK");
      }
    }
  } catch (const Corrupt& c) {
    return error(c.eof ? "Unexpected EOF reading RDB file" : c.what);
  }
  info("\\o/ RDB looks OK! \\o/");
  generic();
  return true;
}

Entry* LoadDumpPayload(std::string_view payload, std::string_view key, const EncodingLimits& limits,
                       std::string* error) {
  // [type][value][version: 2 bytes LE][crc64: 8 bytes LE]
  if (!DumpTrailerValid(payload)) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return nullptr;
  }
  RdbInput in(payload.substr(0, payload.size() - 10));
  Loader ld(in, limits);
  try {
    const uint8_t type = ld.U8();
    EntryPtr e = ld.Object(type, key);
    if (!e) Fail("empty value");
    return e.release();
  } catch (const Corrupt&) {
    *error = "ERR Bad data format";
    return nullptr;
  }
}

}  // namespace vireo

// Entry: one key of the keyspace, its value, its TTL and its access clock, in a
// single allocation. This is what makes a small key cheap: a 16-byte key with a
// 16-byte value costs one 48-byte allocation plus ~12 bytes of table slot,
// against ~105 bytes in Redis (dictEntry + robj + two sds).
//
// Layout (byte offsets):
//   0     type (high nibble) | encoding (low nibble)
//   1     flags (kHasExpire)
//   2..4  24-bit access clock (seconds, wraps), for OBJECT IDLETIME
//   5     key length, or 0xFF followed by a 4-byte length
//   ...   key bytes
//   ...   expire time, 8 bytes, milliseconds since the epoch (only with kHasExpire)
//   ...   value payload:
//           string/int:    8-byte integer
//           string/embstr: varint length + bytes
//           string/raw:    pointer to a HeapString (owned; has spare capacity for APPEND)
//           other types:   pointer to the type's object (owned)
// Unaligned fields are read with memcpy. An Entry's address changes when its
// size changes (TTL added or removed, value replaced): callers swap the new
// pointer into the tables (see Database).
// Thread rule: entries belong to their database and its thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vireo {

enum class ObjType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 6 };

// Encodings as OBJECT ENCODING names them.
enum class Encoding : uint8_t {
  kRaw = 0,
  kInt = 1,
  kHashtable = 2,
  kIntset = 6,
  kSkiplist = 7,
  kEmbstr = 8,
  kQuicklist = 9,
  kStream = 10,
  kListpack = 11,
};

const char* EncodingName(Encoding e);
const char* TypeName(ObjType t);

// Out-of-line string storage for values Redis reports as "raw".
struct HeapString {
  size_t len;
  size_t cap;
  char data[1];  // flexible: cap bytes

  static HeapString* New(std::string_view s, size_t cap);
  std::string_view view() const { return {data, len}; }
};

// Longest string Redis stores as embstr.
inline constexpr size_t kEmbstrMaxLen = 44;

class Entry {
 public:
  // kPrivateInt: an int value that Redis would hold in a private object
  // rather than a shared one (a COPY of a small integer), for OBJECT REFCOUNT.
  // kSnapshotMark: see "Snapshot marks" below.
  enum Flags : uint8_t { kHasExpire = 1, kPrivateInt = 2, kSnapshotMark = 4 };

  // ---- Snapshot marks (fork-less snapshots, persistence/snapshot_writer.h).
  // Each entry carries one bit saying whether the running snapshot has it
  // already. Instead of clearing every bit when a snapshot starts, the
  // meaning of the bit flips: the thread's "saved" value changes, so every
  // existing entry reads as not saved at once, while entries allocated from
  // then on get the new value (they are not part of the point-in-time image).
  // A snapshot that ends has marked every entry it did not skip, so all
  // entries agree with the saved value again before the next flip.
  // Thread rule: the value is per thread, like the entry allocator.
  static bool SavedMark();
  static void FlipSavedMark();
  bool snapshot_saved() const { return bool(bytes()[1] & kSnapshotMark) == SavedMark(); }
  void mark_snapshot_saved() {
    bytes()[1] = uint8_t((bytes()[1] & ~kSnapshotMark) | (SavedMark() ? kSnapshotMark : 0));
  }

  // A string value encoded as Redis's SET would encode it: int when it is the
  // canonical form of a 64-bit integer, embstr up to 44 bytes, raw beyond.
  static Entry* NewString(std::string_view key, std::string_view value);
  static Entry* NewInt(std::string_view key, long long v);
  static Entry* NewEmbstr(std::string_view key, std::string_view value);
  // A raw string with room for `cap` bytes (APPEND/SETRANGE results).
  static Entry* NewRaw(std::string_view key, std::string_view value, size_t cap = 0);
  // A non-string value; the entry takes ownership of obj.
  static Entry* NewObject(std::string_view key, ObjType type, Encoding enc, void* obj);
  // Same key, value and clock, with the TTL set (has=true) or removed. Frees e.
  static Entry* WithExpire(Entry* e, bool has, int64_t when_ms);
  // Same value and TTL under another key. Frees e.
  static Entry* WithKey(Entry* e, std::string_view key);
  // A deep copy under another key (COPY).
  static Entry* Clone(const Entry* e, std::string_view key, void* (*copy_object)(ObjType, const void*));
  static void Free(Entry* e);
  // Frees a collection entry's block only and returns its object, which the
  // caller now owns (lazy freeing hands it to another thread).
  static void* FreeKeepingObject(Entry* e);

  ObjType type() const { return ObjType(bytes()[0] >> 4); }
  Encoding encoding() const { return Encoding(bytes()[0] & 0x0F); }
  void set_encoding(Encoding e) { bytes()[0] = uint8_t((bytes()[0] & 0xF0) | uint8_t(e)); }
  std::string_view key() const {
    const uint8_t* b = bytes();
    if (b[5] != 0xFF) return {reinterpret_cast<const char*>(b + 6), b[5]};
    uint32_t n;
    memcpy(&n, b + 6, 4);
    return {reinterpret_cast<const char*>(b + 10), n};
  }
  bool has_expire() const { return bytes()[1] & kHasExpire; }
  bool private_int() const { return bytes()[1] & kPrivateInt; }
  int64_t expire_ms() const {
    int64_t v;
    memcpy(&v, bytes() + ExpireOffset(), 8);
    return v;
  }
  // Only when has_expire(): changes the deadline in place.
  void set_expire_ms(int64_t v) { memcpy(bytes() + ExpireOffset(), &v, 8); }

  uint32_t lru() const { return bytes()[2] | (bytes()[3] << 8) | (uint32_t(bytes()[4]) << 16); }
  void set_lru(uint32_t v) {
    bytes()[2] = uint8_t(v);
    bytes()[3] = uint8_t(v >> 8);
    bytes()[4] = uint8_t(v >> 16);
  }

  // String values. For the int encoding the digits are written to scratch
  // (>= 24 bytes) and the view points there.
  std::string_view StringValue(char* scratch) const;
  size_t StringLength() const;
  long long IntValue() const {
    long long v;
    memcpy(&v, Payload(), 8);
    return v;
  }
  void SetIntValue(long long v) {  // int encoding only; a new value is a new (shareable) object
    memcpy(Payload(), &v, 8);
    bytes()[1] &= uint8_t(~kPrivateInt);
  }
  HeapString* heap() const {
    HeapString* h;
    memcpy(&h, Payload(), sizeof(h));
    return h;
  }
  void set_heap(HeapString* h) { memcpy(Payload(), &h, sizeof(h)); }
  // Pointer payload of non-string types.
  void* object() const {
    void* p;
    memcpy(&p, Payload(), sizeof(p));
    return p;
  }
  void set_object(void* p) { memcpy(Payload(), &p, sizeof(p)); }

  // ---- Active defragmentation (engine/active_defrag.h).
  // How allocations are moved: each returns the block's new address (the old
  // one is freed) or nullptr when it stays.
  struct DefragMovers {
    void* (*block)(void* p, size_t size);  // the entry's own block, as allocated
    void* (*heap)(void* p);                // a malloc'd block it owns
  };
  // The allocator's judgement: slab blocks leave under-used slab pages,
  // malloc'd blocks leave under-used jemalloc slabs (base/alloc_defrag.h).
  static const DefragMovers& AllocatorMovers();
  // Offers e's allocations to the movers: a raw string's buffer, then the
  // entry block itself. Returns e's address afterwards (the caller re-points
  // the tables when it changed) and counts moved/kept allocations. Collection
  // values are not moved (see ARCHITECTURE.md).
  static Entry* Defrag(Entry* e, const DefragMovers& m, uint64_t* hits, uint64_t* misses);

  // Bytes this entry holds (allocation plus out-of-line string), for MEMORY USAGE.
  size_t AllocatedBytes() const;

 private:
  Entry() = delete;
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this); }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this); }
  size_t KeyEnd() const {
    const uint8_t* b = bytes();
    if (b[5] != 0xFF) return 6 + b[5];
    uint32_t n;
    memcpy(&n, b + 6, 4);
    return 10 + n;
  }
  size_t ExpireOffset() const { return KeyEnd(); }
  size_t PayloadOffset() const { return KeyEnd() + (has_expire() ? 8 : 0); }
  uint8_t* Payload() { return bytes() + PayloadOffset(); }
  const uint8_t* Payload() const { return bytes() + PayloadOffset(); }
  size_t PayloadSize() const;

  static Entry* Allocate(std::string_view key, uint8_t type_enc, bool has_expire, int64_t expire_ms,
                         size_t payload_size);
};

// Traits for HashTable<Entry, EntryKeyTraits>.
struct EntryKeyTraits {
  static std::string_view Key(const Entry* e) { return e->key(); }
};

}  // namespace vireo

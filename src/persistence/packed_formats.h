// The compact blobs Redis stores inside RDB values, in Redis's own byte
// layouts (which differ from Vireo's in-memory ones): listpack (7.0 hashes,
// sorted sets, quicklist-2 nodes), and, for reading older files, ziplist,
// zipmap and intset. Encoders produce what Redis produces; decoders check
// every length and offset against the blob before reading, so a hostile blob
// is refused rather than read out of bounds.
// Thread rule: pure functions and a builder object used by one thread.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vireo {

class Intset;

// Builds a Redis listpack. Strings that are canonical 64-bit integers are
// stored as integers in the smallest encoding, as Redis's lpAppend does.
class RedisListpackBuilder {
 public:
  RedisListpackBuilder();
  void Append(std::string_view s);
  void AppendInt(long long v);
  size_t count() const { return count_; }
  // The finished listpack (header, elements, end byte).
  std::string Finish();

 private:
  void AppendEntry(const uint8_t* enc, size_t len);
  std::string buf_;
  size_t count_ = 0;
};

// Element visitor: the element's text (integers formatted); false stops.
using ElementFn = std::function<bool(std::string_view)>;

// Each decoder validates the whole blob before or while visiting; it returns
// false for a malformed blob (or when fn returned false), after which the
// caller discards what it built.
bool ForEachListpackElement(std::string_view blob, const ElementFn& fn);
bool ForEachZiplistElement(std::string_view blob, const ElementFn& fn);
bool ForEachZipmapPair(std::string_view blob,
                       const std::function<bool(std::string_view, std::string_view)>& fn);
// An intset blob: sorted, unique, of a valid width.
bool DecodeIntsetBlob(std::string_view blob, std::vector<int64_t>* out);
// Redis's intset bytes for an in-memory Intset.
std::string EncodeIntsetBlob(const Intset& s);

}  // namespace vireo

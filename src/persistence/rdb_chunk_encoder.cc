#include "persistence/rdb_chunk_encoder.h"

#include <liblzf/lzf.h>

#include "persistence/crc64.h"
#include "persistence/rdb_format.h"

namespace vireo {

void RdbChunkEncoder::String(const char* p, size_t n, std::string* out) {
  // RdbWriter::String/TryLzf's rule: compressed when that saves at least
  // four bytes; strings of 20 bytes or less are never deferred.
  if (compress_ && n > 20 && n <= UINT32_MAX) {
    const size_t room = n - 4;
    scratch_.resize(room + 1);
    const unsigned c = lzf_compress(p, unsigned(n), scratch_.data(), unsigned(room));
    if (c != 0) {
      out->push_back(char((rdb::kEncVal << 6) | rdb::kEncLzf));
      rdb::AppendLength(*out, c);
      rdb::AppendLength(*out, n);
      out->append(scratch_.data(), c);
      return;
    }
  }
  rdb::AppendLength(*out, n);
  out->append(p, n);
}

void RdbChunkEncoder::Encode(const std::string& chunk, const std::vector<RawSpan>& spans, bool last,
                             std::string* out) {
  const size_t start = out->size();
  size_t pos = 0;
  for (const RawSpan& s : spans) {
    out->append(chunk, pos, s.pos - pos);
    String(chunk.data() + s.pos, s.len, out);
    pos = s.pos + s.len;
  }
  out->append(chunk, pos, chunk.size() - pos);
  crc_ = Crc64(crc_, out->data() + start, out->size() - start);
  if (last) {
    // The trailer is not covered by the checksum.
    const uint64_t crc = checksum_ ? crc_ : 0;
    for (int i = 0; i < 8; ++i) out->push_back(char(uint8_t(crc >> (8 * i))));
  }
  bytes_out_ += out->size() - start;
}

}  // namespace vireo

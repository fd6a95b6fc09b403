// libFuzzer target for RESTORE payloads: the input's tail is given a valid
// version and CRC-64 so the value decoders are reached; whatever decodes must
// be a value that can be walked, digested and DUMPed again, and DUMPing it
// then RESTOREing the result gives the same digest. The same bytes are also
// parsed as a FUNCTION RESTORE payload: every record read must come back
// when written again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands/core/command.h"
#include "persistence/crc64.h"
#include "persistence/dataset_digest.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vireo::CommandTable types;
  (void)types;
  vireo::EncodingLimits lim;
  std::string payload(reinterpret_cast<const char*>(data), size);
  payload.push_back(10);
  payload.push_back(0);
  const uint64_t crc = vireo::Crc64(0, payload.data(), payload.size());
  for (int i = 0; i < 8; ++i) payload.push_back(char(crc >> (8 * i)));
  std::string error;
  std::vector<std::string> codes;
  if (vireo::ParseFunctionPayload(payload, &codes, &error)) {
    vireo::RdbWriter fw;
    for (const std::string& c : codes) fw.Function(c);
    fw.DumpTrailer();
    std::vector<std::string> again;
    if (!vireo::ParseFunctionPayload(fw.buffer(), &again, &error) || again != codes) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  error.clear();
  vireo::Entry* e = vireo::LoadDumpPayload(payload, "k", lim, &error);
  if (!e) {
    if (error.empty()) std::abort();
    return 0;
  }
  const std::string digest = vireo::ValueDigestHex(e);
  vireo::RdbWriter w;
  w.Object(e);
  w.DumpTrailer();
  vireo::Entry* again = vireo::LoadDumpPayload(w.buffer(), "k", lim, &error);
  if (!again || vireo::ValueDigestHex(again) != digest) std::abort();
  vireo::Entry::Free(again);
  vireo::Entry::Free(e);
  return 0;
}

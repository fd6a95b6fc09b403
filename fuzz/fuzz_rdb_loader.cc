// libFuzzer target for the RDB loader: any byte string is loaded as an RDB
// file into a keyspace holding one key. A load either succeeds (and the
// keyspace can be written back out and digested, walking every value) or
// fails with an offset and leaves the original key in place. The CRC check
// is off so the fuzzer reaches the value decoders.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "commands/core/command.h"
#include "engine/keyspace.h"
#include "persistence/dataset_digest.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vireo::CommandTable types;  // registers the value types' free/copy functions
  (void)types;
  vireo::EncodingLimits lim;
  lim.hash_max_listpack_entries = 4;  // small limits reach the conversions too
  lim.zset_max_listpack_entries = 4;
  lim.set_max_intset_entries = 4;
  vireo::Keyspace ks(4);
  ks.db(0).Add(vireo::Entry::NewString("sentinel", "value"));
  vireo::RdbLoadOptions opts;
  opts.limits = &lim;
  opts.verify_checksum = false;
  opts.now_ms = 1000;
  vireo::RdbLoadResult res;
  vireo::RdbInput in(std::string_view(reinterpret_cast<const char*>(data), size));
  if (vireo::LoadRdb(in, ks, opts, &res)) {
    vireo::DatasetDigestHex(ks);
    for (int i = 0; i < ks.count(); ++i) {
      ks.db(i).keys().ForEach([](vireo::Entry* e) { vireo::RdbWriter::SerializedLength(e, true); });
    }
  } else if (ks.db(0).size() != 1 || !ks.db(0).Find("sentinel") || res.error.empty()) {
    std::abort();  // a failed load must leave the keyspace untouched
  }
  return 0;
}

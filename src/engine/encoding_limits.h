// EncodingLimits: the configured thresholds that decide how values are
// encoded (listpack vs hashtable, intset vs hashtable, quicklist node size)
// and how large one value may grow. They are data-layer settings, so command
// handlers read them here instead of from the node's configuration; the
// node's ServerConfig extends this struct, so CONFIG SET updates them in
// place.
// Thread rule: written by the node's main thread (config), read by handlers
// on the same thread.
#pragma once

namespace vireo {

struct EncodingLimits {
  long long proto_max_bulk_len = 512LL << 20;  // largest string value or bulk argument
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;
  long long hash_max_listpack_entries = 512;
  long long hash_max_listpack_value = 64;
  long long set_max_intset_entries = 512;
  long long zset_max_listpack_entries = 128;
  long long zset_max_listpack_value = 64;
  long long hll_sparse_max_bytes = 3000;  // a sparse HyperLogLog larger than this turns dense
  long long stream_node_max_bytes = 4096;
  long long stream_node_max_entries = 100;
  // Deletions the server makes itself are propagated as UNLINK instead of
  // DEL when these are on (Vireo frees in the foreground either way).
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
};

}  // namespace vireo

// DatasetDigest: DEBUG DIGEST and DEBUG DIGEST-VALUE, computed exactly as
// Redis 7.0 computes them (SHA-1 of each element, combined with xor where
// order does not matter and chained where it does), so that a dataset moved
// between Vireo and Redis can be compared with one command on each side.
// Thread rule: runs on the thread that owns the keyspace.
#pragma once
#include <cstdint>
#include <string>

#include "engine/keyspace.h"

namespace vireo {

// 40 hex digits; all zeros for an empty dataset.
std::string DatasetDigestHex(Keyspace& ks);
// The digest of one value (its type, elements and whether it has a TTL),
// without its key; all zeros for a missing key (e == nullptr).
std::string ValueDigestHex(const Entry* e);

}  // namespace vireo

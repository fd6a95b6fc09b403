// Version numbers. Vireo has its own release number; clients and tools see
// the Redis release whose behaviour it reproduces where they read Redis's
// version (INFO redis_version, HELLO's "version"), because they enable
// features by it. `vireo-server --version` and INFO vireo_version show both.
//
// Constants only; thread-safe.
#ifndef VIREO_BASE_VERSION_H_
#define VIREO_BASE_VERSION_H_

namespace vireo {

inline constexpr const char* kVireoRelease = "0.1.0";
inline constexpr const char* kRedisCompatVersion = "7.0.15";

}  // namespace vireo

#endif  // VIREO_BASE_VERSION_H_

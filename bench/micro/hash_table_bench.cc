// Micro-benchmarks for HashTable (Google Benchmark), with std::unordered_map
// on the same keys as a yardstick. Not built by CMake yet; compile by hand:
//   g++ -std=c++20 -O2 -DVIREO_JEMALLOC=1 -Isrc bench/micro/hash_table_bench.cc
//       -o /tmp/ht_bench -lbenchmark -lbenchmark_main -lxxhash -ljemalloc -pthread
// Single-threaded; each benchmark builds its own table.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/hash_table.h"

namespace vireo {
namespace {

struct BenchEntry {
  std::string key;
};

struct BenchTraits {
  static std::string_view Key(const BenchEntry* e) { return e->key; }
};

using Table = HashTable<BenchEntry, BenchTraits>;

std::string KeyOf(uint64_t i) { return "key:" + std::to_string(i); }

// n entries, allocated one by one as a keyspace's would be, plus the keys in
// a shuffled order so lookups miss the cache as real traffic does.
struct Fixture {
  explicit Fixture(size_t n) {
    entries.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      entries.push_back(std::make_unique<BenchEntry>(BenchEntry{KeyOf(i)}));
      table.Insert(entries.back().get());
    }
    while (table.RehashMicroseconds(1000)) {
    }
    for (size_t i = 0; i < n; ++i) lookups.push_back(KeyOf(i));
    std::shuffle(lookups.begin(), lookups.end(), std::mt19937_64(1));
  }
  ~Fixture() { table.Clear([](BenchEntry*) {}); }
  std::vector<std::unique_ptr<BenchEntry>> entries;
  std::vector<std::string> lookups;
  Table table;
};

void BM_FindHit(benchmark::State& state) {
  Fixture f(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.table.Find(f.lookups[i]));
    if (++i == f.lookups.size()) i = 0;
  }
  state.counters["bytes/entry"] =
      static_cast<double>(f.table.bucket_bytes()) / static_cast<double>(f.table.size());
}
BENCHMARK(BM_FindHit)->Arg(1000)->Arg(1 << 20)->Arg(8 << 20);

void BM_FindMiss(benchmark::State& state) {
  Fixture f(state.range(0));
  std::vector<std::string> misses;
  for (size_t i = 0; i < f.lookups.size(); ++i) misses.push_back("miss:" + std::to_string(i));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.table.Find(misses[i]));
    if (++i == misses.size()) i = 0;
  }
}
BENCHMARK(BM_FindMiss)->Arg(1 << 20);

void BM_UnorderedMapFindHit(benchmark::State& state) {
  const size_t n = state.range(0);
  std::unordered_map<std::string, std::unique_ptr<BenchEntry>> map;
  std::vector<std::string> lookups;
  for (size_t i = 0; i < n; ++i) {
    map.emplace(KeyOf(i), std::make_unique<BenchEntry>(BenchEntry{KeyOf(i)}));
    lookups.push_back(KeyOf(i));
  }
  std::shuffle(lookups.begin(), lookups.end(), std::mt19937_64(1));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(map.find(lookups[i]));
    if (++i == n) i = 0;
  }
}
BENCHMARK(BM_UnorderedMapFindHit)->Arg(1 << 20);

// Building a table of n entries from empty, through every grow.
void BM_InsertFromEmpty(benchmark::State& state) {
  const size_t n = state.range(0);
  std::vector<std::unique_ptr<BenchEntry>> entries;
  for (size_t i = 0; i < n; ++i) entries.push_back(std::make_unique<BenchEntry>(BenchEntry{KeyOf(i)}));
  for (auto _ : state) {
    Table t;
    for (auto& e : entries) t.Insert(e.get());
    benchmark::DoNotOptimize(t.size());
    t.Clear([](BenchEntry*) {});
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_InsertFromEmpty)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// Steady-state churn: remove one entry, insert it back.
void BM_RemoveInsert(benchmark::State& state) {
  Fixture f(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    BenchEntry* e = f.table.Remove(f.lookups[i]);
    f.table.Insert(e);
    if (++i == f.lookups.size()) i = 0;
  }
}
BENCHMARK(BM_RemoveInsert)->Arg(1 << 20);

void BM_Random(benchmark::State& state) {
  Fixture f(state.range(0));
  uint64_t r = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.table.Random(++r));
}
BENCHMARK(BM_Random)->Arg(1 << 20);

void BM_FullScan(benchmark::State& state) {
  Fixture f(state.range(0));
  for (auto _ : state) {
    size_t n = 0;
    uint64_t cursor = 0;
    do {
      cursor = f.table.Scan(cursor, [&](BenchEntry*) { ++n; });
    } while (cursor != 0);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FullScan)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vireo

// SnapshotWriter: a live snapshot taken while the keyspace keeps changing
// (overwrites, deletes, TTL changes, renames, new keys, flushes, swaps
// between slices) loads back to exactly the dataset of the moment it
// started; an aborted snapshot leaves the marks right for the next one.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "commands/core/command.h"
#include "engine/keyspace.h"
#include "persistence/aof_reader.h"
#include "persistence/dataset_digest.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_reader.h"
#include "persistence/snapshot_writer.h"

namespace vireo {
namespace {

// Collection types register their free/copy functions when bound.
const CommandTable& Types() {
  static CommandTable t;
  return t;
}

void Fill(Keyspace& ks, int per_db) {
  for (int db = 0; db < 4; ++db) {
    for (int i = 0; i < per_db; ++i) {
      std::string k = "k" + std::to_string(i);
      Entry* e = Entry::NewString(k, (i % 3 == 0) ? std::to_string(i) : "value-" + std::to_string(i * db));
      ks.db(db).Add(e);
      if (i % 5 == 0) ks.db(db).SetExpire(ks.db(db).Find(k), 4000000000000LL + i);
    }
  }
}

std::string LoadDigest(const std::string& image) {
  Keyspace loaded(16);
  RdbInput in{std::string_view(image)};
  RdbLoadOptions opts;
  EncodingLimits limits;
  opts.limits = &limits;
  opts.now_ms = 1;
  RdbLoadResult result;
  EXPECT_TRUE(LoadRdb(in, loaded, opts, &result)) << result.error;
  return DatasetDigestHex(loaded);
}

// Runs a snapshot in slices, calling change(step) between them.
template <class Change>
std::string Snapshot(Keyspace& ks, Change change, SnapshotFormat format = SnapshotFormat::kRdb) {
  std::string image;
  SnapshotOptions o;
  o.now_ms = 1;
  o.format = format;
  SnapshotWriter w(ks, [&](std::string& chunk) { image += chunk; }, o);
  w.Start(0);
  int64_t clock = 0;
  auto now = [&] { return clock++; };
  int step = 0;
  while (!w.Step(clock + 1, now)) {
    EXPECT_FALSE(w.failed());
    change(step++);
  }
  EXPECT_EQ(ks.preserver(), nullptr);
  return image;
}

// Changes of every kind between slices (see the tests below).
void Change(Keyspace& ks, int step, int* changes) {
  Database& d = ks.db(step % 4);
  for (int j = 0; j < 20; ++j) {
    std::string k = "k" + std::to_string((step * 37 + j * 101) % 3000);
    switch ((step + j) % 6) {
      case 0:
        d.Overwrite(Entry::NewString(k, "changed"));
        break;
      case 1:
        d.Delete(k);
        break;
      case 2:
        if (Entry* e = d.LookupWrite(k, 1)) d.SetExpire(e, 5000000000000LL);
        break;
      case 3:
        if (Entry* e = d.Detach(k)) ks.db((step + 1) % 4).Overwrite(Entry::WithKey(e, "moved" + k));
        break;
      case 4:
        d.Add(Entry::NewString("new" + std::to_string(step) + "-" + std::to_string(j), "n"));
        break;
      case 5:
        if (Entry* e = d.Find(k)) d.SetExpire(e, -1);
        break;
    }
    ++*changes;
  }
  if (step == 7) ks.db(1).Clear();
  if (step == 11) ks.db(2).SwapContents(ks.db(3));
}

TEST(SnapshotWriterTest, ImageIsThePointInTimeDespiteChanges) {
  Types();
  Keyspace ks(16);
  Fill(ks, 3000);
  const std::string before = DatasetDigestHex(ks);
  int changes = 0;
  std::string image = Snapshot(ks, [&](int step) { Change(ks, step, &changes); });
  EXPECT_GT(changes, 100);
  EXPECT_NE(DatasetDigestHex(ks), before);
  EXPECT_EQ(LoadDigest(image), before);

  // The next snapshot, with no changes, is the dataset as it is now.
  const std::string now = DatasetDigestHex(ks);
  EXPECT_EQ(LoadDigest(Snapshot(ks, [](int) {})), now);
}

// The AOF command form: each (db, key)'s commands, whatever the order keys came in.
std::map<std::pair<int, std::string>, std::vector<std::string>> CommandsByKey(const std::string& image) {
  std::map<std::pair<int, std::string>, std::vector<std::string>> out;
  FILE* f = fmemopen(const_cast<char*>(image.data()), image.size(), "r");
  EXPECT_NE(f, nullptr);
  AofReader reader(f);
  std::vector<std::string> argv;
  int db = -1;
  AofReader::Status st;
  while ((st = reader.Next(&argv)) == AofReader::Status::kCommand) {
    if (argv[0] == "SELECT") {
      db = std::stoi(argv[1]);
      continue;
    }
    std::string joined;
    for (const std::string& a : argv) joined += a + " ";
    out[{db, argv.at(1)}].push_back(joined);
  }
  EXPECT_EQ(st, AofReader::Status::kEnd);
  fclose(f);
  return out;
}

TEST(SnapshotWriterTest, CommandFormIsThePointInTimeDespiteChanges) {
  Types();
  Keyspace ks(16);
  Fill(ks, 3000);
  const auto want = CommandsByKey(Snapshot(ks, [](int) {}, SnapshotFormat::kAofCommands));
  EXPECT_EQ(want.size(), 4u * 3000u);
  int changes = 0;
  const std::string image =
      Snapshot(ks, [&](int step) { Change(ks, step, &changes); }, SnapshotFormat::kAofCommands);
  EXPECT_GT(changes, 100);
  EXPECT_EQ(CommandsByKey(image), want);
}

TEST(SnapshotWriterTest, AbortLeavesMarksRightForTheNextSnapshot) {
  Types();
  Keyspace ks(16);
  Fill(ks, 2000);
  {
    SnapshotOptions o;
    SnapshotWriter w(ks, [](std::string&) {}, o);
    w.Start(0);
    int64_t clock = 0;
    EXPECT_FALSE(w.Step(1, [&] { return clock++; }));
    w.Abort();
    EXPECT_EQ(ks.preserver(), nullptr);
  }
  const std::string now = DatasetDigestHex(ks);
  EXPECT_EQ(LoadDigest(Snapshot(ks, [](int) {})), now);
}

}  // namespace
}  // namespace vireo

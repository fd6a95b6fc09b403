// The split RDB writer (deferred chunks + RdbChunkEncoder on the file
// thread) must produce the same bytes as the one-thread writer.
#include "persistence/rdb_chunk_encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "persistence/rdb_writer.h"

namespace vireo {
namespace {

// Writes the same strings both ways; chunk_every forces flushes between them.
void WriteStrings(RdbWriter& w, const std::vector<std::string>& strings) {
  w.Header();
  w.AuxInt("ctime", 1234);
  for (size_t i = 0; i < strings.size(); ++i) {
    w.String(strings[i]);
    if (i % 3 == 2) w.Flush();
  }
}

std::vector<std::string> Samples() {
  std::vector<std::string> v = {"", "a", "12345", "-7", "x",
                                std::string(20, 'y'),   // never compressed (<= 20)
                                std::string(21, 'y'),   // compressible
                                std::string(1000, 'z'),
                                "abcdefghijklmnopqrstuvwxyz0123456789",  // incompressible
                                std::string(70000, 'q')};
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(char(x >> 16));
  }
  v.push_back(noise);
  return v;
}

std::string OneThread(bool compress, bool checksum) {
  std::string out;
  RdbWriter w(RdbWriter::ChunkSink([&](std::string& c) { out += c; }), compress);
  WriteStrings(w, Samples());
  w.Finish(checksum);
  return out;
}

std::string Split(bool compress, bool checksum) {
  std::string out;
  RdbChunkEncoder enc(compress, checksum);
  RdbWriter w(RdbWriter::SpanChunkSink([&](std::string& c, std::vector<RawSpan>& spans, bool last) {
                enc.Encode(c, spans, last, &out);
              }),
              compress);
  WriteStrings(w, Samples());
  w.Finish(checksum);
  return out;
}

TEST(RdbChunkEncoder, SameBytesAsOneThreadWriter) {
  for (bool compress : {true, false}) {
    for (bool checksum : {true, false}) {
      const std::string a = OneThread(compress, checksum);
      const std::string b = Split(compress, checksum);
      EXPECT_EQ(a.size(), b.size()) << compress << checksum;
      EXPECT_TRUE(a == b) << "compress=" << compress << " checksum=" << checksum;
    }
  }
}

TEST(RdbChunkEncoder, CompressesWhatItShould) {
  // A compressible string gets much shorter; the checksum trailer is non-zero.
  const std::string a = Split(true, true);
  const std::string b = Split(false, true);
  EXPECT_LT(a.size() + 60000, b.size());
  EXPECT_NE(a.substr(a.size() - 8), std::string(8, '\0'));
  EXPECT_EQ(Split(true, false).substr(a.size() - 8), std::string(8, '\0'));
}

}  // namespace
}  // namespace vireo

// The replica's side of the PSYNC handshake as bytes: splitting the
// primary's reply lines out of what the socket delivered, reading the PSYNC
// answer (+FULLRESYNC <replid> <offset>, +CONTINUE [<replid>], or an error
// that says to retry later) and the RDB payload's framing ("$<length>" or,
// for a diskless primary, "$EOF:<40-byte mark>" with the mark repeated after
// the payload). Everything here reads outside input from the network, so it
// checks every length and never trusts a count (fuzz/fuzz_repl_sync.cc).
// Thread rule: no shared state; one object per link.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

constexpr size_t kReplIdLength = 40;       // CONFIG_RUN_ID_SIZE
constexpr size_t kEofMarkLength = 40;      // RDB_EOF_MARK_SIZE
constexpr size_t kMaxHandshakeLine = 4096;  // longer lines are a protocol error

// Takes the first '\n'-terminated line off the front of *buf (without the
// "\r\n"). False when no whole line is there yet; *too_long is set when the
// partial line already passes kMaxHandshakeLine.
bool TakeLine(std::string* buf, std::string* line, bool* too_long);

struct PsyncReply {
  enum Kind {
    kFullResync,  // replid, offset
    kContinue,    // replid (empty: an old primary that kept its id)
    kTryLater,    // -NOMASTERLINK / -LOADING: the primary cannot serve yet
    kError,       // any other error, or a line that is not a PSYNC answer
  } kind = kError;
  std::string replid;
  int64_t offset = -1;
};
PsyncReply ParsePsyncReply(std::string_view line);

// A valid replication id: 40 characters of [0-9a-f]... Redis only checks
// the length, and so do we.
bool ValidReplId(std::string_view id);

// The line that announces the RDB payload. Lines that are empty (keep-alive
// newlines a primary sends while it prepares the payload) are not headers:
// the caller skips them before calling this.
struct PayloadHeader {
  bool eof_marked = false;  // diskless: size unknown, ends with `mark`
  uint64_t size = 0;
  std::string mark;
};
// False when the line is not "$<decimal>" or "$EOF:<40 bytes>".
bool ParsePayloadHeader(std::string_view line, PayloadHeader* out);

// Tells where an RDB payload ends in the bytes that follow its header.
class PayloadFraming {
 public:
  explicit PayloadFraming(PayloadHeader header) : h_(std::move(header)) {}
  // Of the n bytes at data (the next bytes after what was fed before), how
  // many belong to the payload; done() turns true once the payload is
  // complete (for an EOF-marked payload, the returned count includes the
  // mark: the caller drops its last kEofMarkLength bytes).
  size_t Feed(const char* data, size_t n);
  bool done() const { return done_; }
  uint64_t received() const { return received_; }
  const PayloadHeader& header() const { return h_; }

 private:
  PayloadHeader h_;
  uint64_t received_ = 0;
  std::string tail_;  // the last kEofMarkLength bytes seen (EOF-marked)
  bool done_ = false;
};

}  // namespace vireo

// ReplyBuilder serializes one client's replies, in RESP2 or RESP3 (chosen
// per client by HELLO), into a growable byte buffer that the connection
// writes out and erases from. Every reply shape a command needs has a method
// here, and each produces the exact bytes redis-server 7.0 sends for it, so
// command code never writes protocol by hand.
//
// Threading: one builder per client, used by the thread that runs that
// client's commands; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vireo {

class ReplyBuilder {
 public:
  void set_proto(int v) { proto_ = v; }
  int proto() const { return proto_; }

  // Pending output bytes; the connection writes and erases from the front.
  std::string& buffer() { return buf_; }
  const std::string& buffer() const { return buf_; }

  void SimpleString(std::string_view s);  // +s
  void Ok();                              // +OK
  // -msg; msg carries its code ("ERR syntax error", "WRONGTYPE ..."). CR and
  // LF inside msg become spaces so the reply stays one line.
  void Error(std::string_view msg);
  void Integer(long long v);     // :v
  void Bulk(std::string_view s);  // $len s
  void BulkInteger(long long v);  // a bulk holding the decimal text of v
  void Null();                    // RESP2 "$-1", RESP3 "_"
  void NullArray();               // RESP2 "*-1", RESP3 "_"
  void ArrayHeader(size_t n);     // *n
  void MapHeader(size_t n);       // RESP3 %n; RESP2 *2n (n = number of pairs)
  void SetHeader(size_t n);       // RESP3 ~n; RESP2 *n
  void PushHeader(size_t n);      // RESP3 >n; RESP2 *n
  // As Redis 7.0's addReplyDouble: "%.17g" (RESP2 as a bulk, RESP3 as
  // ",..."); infinities as inf/-inf.
  void Double(double d);
  // As addReplyHumanLongDouble (GEO and friends): the INCRBYFLOAT text,
  // RESP2 as a bulk, RESP3 as a double.
  void HumanLongDouble(long double d);
  void Bool(bool b);  // RESP3 #t/#f; RESP2 :1/:0
  // RESP3 "=len\r\nfmt:s"; RESP2 a plain bulk of s. fmt is three bytes.
  void Verbatim(std::string_view s, std::string_view fmt = "txt");
  // Bytes already in protocol form (e.g. a cached reply); appended as is.
  void Raw(std::string_view bytes) { buf_.append(bytes); }

  // For aggregates whose size is known only after their elements are
  // written: take a mark, write the elements, then insert the header at the
  // mark. The mark is an offset into buffer(), so nothing may be erased from
  // the buffer between the two calls.
  size_t BeginDeferred() { return buf_.size(); }
  void EndDeferredArray(size_t mark, size_t n);
  void EndDeferredMap(size_t mark, size_t n);  // n = number of pairs
  void EndDeferredSet(size_t mark, size_t n);

 private:
  // Appends prefix, the decimal n and CRLF.
  void AppendHeader(char prefix, long long n);
  // The same bytes, inserted at mark.
  void InsertHeader(size_t mark, char prefix, long long n);

  int proto_ = 2;
  std::string buf_;
};

}  // namespace vireo

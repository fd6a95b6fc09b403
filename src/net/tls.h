// TLS with OpenSSL 3: TlsContext is one server configuration (certificate,
// key, CAs, protocols, ciphers, client-certificate policy, session cache)
// built from the tls-* directives, or the client configuration a replica
// uses to reach its primary (tls-replication: the tls-client-* certificate,
// or else tls-cert-file, and the CAs to verify the primary); TlsConnection is
// one socket's session, accepted or connected, driven without blocking by
// the event loop: Handshake, Read and Write report when they need the socket
// readable or writable.
// A new TlsContext is built for every change (CONFIG SET reloads
// certificates this way): connections keep the context they started with
// (OpenSSL reference-counts it), new ones get the new one.
// Thread rule: the loop's thread; a context may be shared by connections.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace vireo {

struct TlsSettings {
  std::string cert_file, key_file, key_file_pass;
  // The replica side's certificate (tls-client-*); empty: cert_file/key_file.
  std::string client_cert_file, client_key_file, client_key_file_pass;
  std::string ca_cert_file, ca_cert_dir;
  std::string dh_params_file;
  std::string protocols;      // "TLSv1.2 TLSv1.3"; empty: TLSv1.2 and TLSv1.3
  std::string ciphers;        // TLSv1.2 and older (OpenSSL cipher list)
  std::string ciphersuites;   // TLSv1.3
  int auth_clients = 1;       // 0 no, 1 yes (a client certificate is required), 2 optional
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  long session_cache_size = 20480;
  long session_cache_timeout = 300;
};

class TlsContext {
 public:
  // Builds a context; nullptr with *error (Redis-like text plus OpenSSL's reason).
  static std::shared_ptr<TlsContext> Create(const TlsSettings& s, std::string* error);
  // The client side (replication links): presents the client certificate
  // and requires a server certificate signed by the configured CAs.
  static std::shared_ptr<TlsContext> CreateClient(const TlsSettings& s, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* raw() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  static std::shared_ptr<TlsContext> Build(const TlsSettings& s, bool client, std::string* error);
  SSL_CTX* ctx_;
};

class TlsConnection {
 public:
  enum class Io { kDone, kWantRead, kWantWrite, kClosed, kError };

  // An accepted socket (server side), or with `connect` a socket we
  // connected (client side: the handshake is SSL_connect's).
  TlsConnection(const TlsContext& ctx, int fd, bool connect = false);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool handshake_done() const { return done_; }
  // Continues the handshake (kDone when it is complete).
  Io Handshake();
  // Decrypted bytes into buf: > 0 bytes read; otherwise *io says why not.
  ssize_t Read(char* buf, size_t n, Io* io);
  // Encrypts up to n bytes: > 0 bytes taken; otherwise *io says why not.
  ssize_t Write(const char* buf, size_t n, Io* io);
  // Bytes OpenSSL holds already, decrypted or read ahead (epoll will not
  // report them): a reader goes on reading while this is true.
  bool HasBuffered() const;
  // The last error, for the log.
  const std::string& error() const { return error_; }

 private:
  Io Classify(int ret);
  SSL* ssl_;
  bool done_ = false;
  std::string error_;
};

}  // namespace vireo

// libFuzzer target for the TLS port: a server-side TlsConnection (the one
// Client drives on the tls-port) is fed arbitrary bytes over a socket pair,
// either from the start (in place of a ClientHello) or after a real
// handshake with an OpenSSL client (in place of records). It must end in
// "want more", "closed" or "error", never crash or spin.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "net/tls.h"

namespace {

// A self-signed certificate written once to a temporary directory.
std::shared_ptr<vireo::TlsContext> ServerContext() {
  static std::shared_ptr<vireo::TlsContext> ctx = [] {
    char dir[] = "/tmp/vireo-fuzz-tls-XXXXXX";
    if (!mkdtemp(dir)) abort();
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    std::string cert_path = std::string(dir) + "/cert.pem", key_path = std::string(dir) + "/key.pem";
    FILE* f = fopen(cert_path.c_str(), "w");
    PEM_write_X509(f, cert);
    fclose(f);
    f = fopen(key_path.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    vireo::TlsSettings s;
    s.cert_file = cert_path;
    s.key_file = key_path;
    s.auth_clients = 0;
    std::string error;
    auto c = vireo::TlsContext::Create(s, &error);
    if (!c) abort();
    unlink(cert_path.c_str());
    unlink(key_path.c_str());
    rmdir(dir);
    X509_free(cert);
    EVP_PKEY_free(key);
    return c;
  }();
  return ctx;
}

// Runs the server side until it needs more input; true if the handshake is done.
bool Drive(vireo::TlsConnection& conn) {
  for (int i = 0; i < 64; ++i) {
    if (!conn.handshake_done()) {
      auto io = conn.Handshake();
      if (io != vireo::TlsConnection::Io::kDone) return false;
      continue;
    }
    char buf[4096];
    vireo::TlsConnection::Io io;
    if (conn.Read(buf, sizeof(buf), &io) <= 0) return true;
  }
  return conn.handshake_done();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 65536) return 0;
  auto ctx = ServerContext();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) return 0;
  {
    vireo::TlsConnection server(*ctx, fds[0]);
    const bool after_handshake = data[0] & 1;
    if (after_handshake) {
      // A real client completes the handshake first.
      SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
      SSL* client = SSL_new(cctx);
      SSL_set_fd(client, fds[1]);
      SSL_set_connect_state(client);
      for (int i = 0; i < 32 && !server.handshake_done(); ++i) {
        SSL_do_handshake(client);
        Drive(server);
      }
      SSL_do_handshake(client);
      SSL_free(client);
      SSL_CTX_free(cctx);
    }
    // Then the fuzz bytes, raw on the socket.
    size_t off = 1;
    while (off < size) {
      ssize_t n = write(fds[1], data + off, size - off);
      if (n <= 0) break;
      off += size_t(n);
      Drive(server);
    }
    shutdown(fds[1], SHUT_WR);
    Drive(server);
    const char reply[] = "+OK\r\n";
    vireo::TlsConnection::Io io;
    if (server.handshake_done()) server.Write(reply, sizeof(reply) - 1, &io);
  }
  close(fds[0]);
  close(fds[1]);
  return 0;
}

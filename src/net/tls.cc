#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace vireo {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

int PasswordCallback(char* buf, int size, int, void* user) {
  const std::string* pass = static_cast<const std::string*>(user);
  if (!pass || pass->empty()) return 0;
  int n = int(pass->size()) < size ? int(pass->size()) : size;
  memcpy(buf, pass->data(), size_t(n));
  return n;
}

// "TLSv1.2 TLSv1.3" -> the protocols to disable; false on an unknown word.
bool ProtocolOptions(const std::string& text, long* disable, std::string* error) {
  bool v1 = false, v11 = false, v12 = false, v13 = false;
  if (text.empty()) {
    v12 = v13 = true;
  } else {
    std::istringstream in(text);
    std::string w;
    while (in >> w) {
      if (strcasecmp(w.c_str(), "tlsv1") == 0) {
        v1 = true;
      } else if (strcasecmp(w.c_str(), "tlsv1.1") == 0) {
        v11 = true;
      } else if (strcasecmp(w.c_str(), "tlsv1.2") == 0) {
        v12 = true;
      } else if (strcasecmp(w.c_str(), "tlsv1.3") == 0) {
        v13 = true;
      } else {
        *error = "Failed to configure TLS: Invalid tls-protocols specified: " + w;
        return false;
      }
    }
    if (!v1 && !v11 && !v12 && !v13) {
      *error = "Failed to configure TLS: No TLS protocols enabled";
      return false;
    }
  }
  long d = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3;
  if (!v1) d |= SSL_OP_NO_TLSv1;
  if (!v11) d |= SSL_OP_NO_TLSv1_1;
  if (!v12) d |= SSL_OP_NO_TLSv1_2;
  if (!v13) d |= SSL_OP_NO_TLSv1_3;
  *disable = d;
  return true;
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::Create(const TlsSettings& s, std::string* error) {
  return Build(s, false, error);
}

std::shared_ptr<TlsContext> TlsContext::CreateClient(const TlsSettings& s, std::string* error) {
  return Build(s, true, error);
}

std::shared_ptr<TlsContext> TlsContext::Build(const TlsSettings& s, bool client, std::string* error) {
  if (s.cert_file.empty() || s.key_file.empty()) {
    *error = "Failed to configure TLS: tls-cert-file and tls-key-file must be set";
    return nullptr;
  }
  // A client always verifies its primary, so it needs the CAs too.
  if ((client || s.auth_clients != 0) && s.ca_cert_file.empty() && s.ca_cert_dir.empty()) {
    *error =
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or "
        "tls-auth-clients are enabled!";
    return nullptr;
  }
  long disable = 0;
  if (!ProtocolOptions(s.protocols, &disable, error)) return nullptr;
  SSL_CTX* ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
  if (!ctx) {
    *error = "Failed to configure TLS: " + OpenSslError();
    return nullptr;
  }
  std::shared_ptr<TlsContext> out(new TlsContext(ctx));
  SSL_CTX_set_options(ctx, disable | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (s.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Replies are written from a buffer that may move and be partly written.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  // Read ahead: one read() takes what the socket holds (a request's whole
  // record, often several) instead of a 5-byte header read and then the
  // body: half the read syscalls at pipeline 1. Bytes read ahead stay in
  // OpenSSL where epoll cannot see them, so every reader drains the
  // session while HasBuffered() (SSL_has_pending) says so.
  SSL_CTX_set_read_ahead(ctx, 1);
  if (client) {
    // One long-lived link per primary: nothing to resume.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  } else if (s.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, s.session_cache_size);
    SSL_CTX_set_timeout(ctx, s.session_cache_timeout);
    static const unsigned char kSid[] = "vireo";
    SSL_CTX_set_session_id_context(ctx, kSid, sizeof(kSid) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  // As Redis: the client side presents tls-client-cert-file when set, else
  // the server's own certificate.
  const bool own_client_cert = client && !s.client_cert_file.empty();
  const std::string& cert_file = own_client_cert ? s.client_cert_file : s.cert_file;
  const std::string& key_file = own_client_cert ? s.client_key_file : s.key_file;
  std::string pass = own_client_cert ? s.client_key_file_pass : s.key_file_pass;
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &pass);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) <= 0) {
    *error = "Failed to load certificate: " + cert_file + ": " + OpenSslError();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    *error = "Failed to load private key: " + key_file + ": " + OpenSslError();
    return nullptr;
  }
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (SSL_CTX_check_private_key(ctx) <= 0) {
    *error = "Failed to configure TLS: the private key does not match the certificate: " + OpenSslError();
    return nullptr;
  }
  if ((!s.ca_cert_file.empty() || !s.ca_cert_dir.empty()) &&
      SSL_CTX_load_verify_locations(ctx, s.ca_cert_file.empty() ? nullptr : s.ca_cert_file.c_str(),
                                    s.ca_cert_dir.empty() ? nullptr : s.ca_cert_dir.c_str()) <= 0) {
    *error = "Failed to configure CA certificate(s) file/directory: " + OpenSslError();
    return nullptr;
  }
  if (!s.dh_params_file.empty()) {
    BIO* f = BIO_new_file(s.dh_params_file.c_str(), "r");
    if (!f) {
      *error = "Failed to load " + s.dh_params_file + ": " + strerror(errno);
      return nullptr;
    }
    EVP_PKEY* dh = PEM_read_bio_Parameters(f, nullptr);
    BIO_free(f);
    if (!dh || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) <= 0) {
      if (dh) EVP_PKEY_free(dh);
      *error = "Failed to load DH params file: " + s.dh_params_file + ": " + OpenSslError();
      return nullptr;
    }
  } else {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  if (!s.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str())) {
    *error = "Failed to configure ciphers: " + s.ciphers;
    ERR_clear_error();
    return nullptr;
  }
  if (!s.ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str())) {
    *error = "Failed to configure ciphersuites: " + s.ciphersuites;
    ERR_clear_error();
    return nullptr;
  }
  int verify = SSL_VERIFY_NONE;
  if (client) verify = SSL_VERIFY_PEER;
  else if (s.auth_clients == 1) verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  else if (s.auth_clients == 2) verify = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, verify, nullptr);
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsConnection::TlsConnection(const TlsContext& ctx, int fd, bool connect) : ssl_(SSL_new(ctx.raw())) {
  if (ssl_) {
    SSL_set_fd(ssl_, fd);
    if (connect) {
      SSL_set_connect_state(ssl_);
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
}

TlsConnection::~TlsConnection() {
  if (ssl_) {
    // A best-effort close_notify; the socket is non-blocking and closing.
    if (done_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
}

TlsConnection::Io TlsConnection::Classify(int ret) {
  int e = SSL_get_error(ssl_, ret);
  switch (e) {
    case SSL_ERROR_WANT_READ:
      return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return Io::kClosed;
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EINTR) return Io::kWantRead;
      error_ = errno ? strerror(errno) : "connection closed";
      ERR_clear_error();
      return Io::kClosed;
    default:
      error_ = OpenSslError();
      return Io::kError;
  }
}

TlsConnection::Io TlsConnection::Handshake() {
  if (!ssl_) {
    error_ = "SSL_new failed";
    return Io::kError;
  }
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    done_ = true;
    return Io::kDone;
  }
  Io io = Classify(r);
  return io == Io::kClosed ? Io::kError : io;
}

ssize_t TlsConnection::Read(char* buf, size_t n, Io* io) {
  ERR_clear_error();
  int r = SSL_read(ssl_, buf, int(n > (1u << 30) ? (1u << 30) : n));
  if (r > 0) return r;
  *io = Classify(r);
  return -1;
}

ssize_t TlsConnection::Write(const char* buf, size_t n, Io* io) {
  ERR_clear_error();
  int r = SSL_write(ssl_, buf, int(n > (1u << 30) ? (1u << 30) : n));
  if (r > 0) return r;
  *io = Classify(r);
  return -1;
}

bool TlsConnection::HasBuffered() const { return ssl_ && SSL_has_pending(ssl_); }

}  // namespace vireo

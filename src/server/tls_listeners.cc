// The node's TLS side: the tls-* directives as a TlsSettings, the TLS
// context (rebuilt when CONFIG SET changes a tls-* value, so certificates
// reload without a restart), and the listeners of tls-port beside the
// plain ones. Connections accepted there get a TlsConnection (Client
// drives the handshake without blocking).
// tls-replication yes adds a client context (the tls-client-* certificate or
// else tls-cert-file, the CAs to verify the primary) that the replica link
// connects with (replica_link.cc); a primary serves replicas on its tls-port
// like any client.
#include <unistd.h>

#include <cstdlib>

#include "base/log.h"
#include "net/listener.h"
#include "server/server.h"

namespace vireo {
namespace {

std::string Compat(const ServerConfig& cfg, const char* name) {
  auto it = cfg.compat_values.find(name);
  return it == cfg.compat_values.end() ? std::string() : it->second;
}

long CompatLong(const ServerConfig& cfg, const char* name, long def) {
  std::string v = Compat(cfg, name);
  return v.empty() ? def : strtol(v.c_str(), nullptr, 10);
}

}  // namespace

int Server::tls_port() const { return int(CompatLong(cfg(), "tls-port", 0)); }

bool Server::tls_replication() const { return Compat(cfg(), "tls-replication") == "yes"; }

TlsSettings Server::TlsSettingsFromConfig() const {
  const ServerConfig& c = cfg();
  TlsSettings s;
  s.cert_file = Compat(c, "tls-cert-file");
  s.key_file = Compat(c, "tls-key-file");
  s.key_file_pass = Compat(c, "tls-key-file-pass");
  s.client_cert_file = Compat(c, "tls-client-cert-file");
  s.client_key_file = Compat(c, "tls-client-key-file");
  s.client_key_file_pass = Compat(c, "tls-client-key-file-pass");
  s.ca_cert_file = Compat(c, "tls-ca-cert-file");
  s.ca_cert_dir = Compat(c, "tls-ca-cert-dir");
  s.dh_params_file = Compat(c, "tls-dh-params-file");
  s.protocols = Compat(c, "tls-protocols");
  s.ciphers = Compat(c, "tls-ciphers");
  s.ciphersuites = Compat(c, "tls-ciphersuites");
  const std::string auth = Compat(c, "tls-auth-clients");
  s.auth_clients = auth == "no" ? 0 : auth == "optional" ? 2 : 1;
  s.prefer_server_ciphers = Compat(c, "tls-prefer-server-ciphers") == "yes";
  s.session_caching = Compat(c, "tls-session-caching") != "no";
  s.session_cache_size = CompatLong(c, "tls-session-cache-size", 20480);
  s.session_cache_timeout = CompatLong(c, "tls-session-cache-timeout", 300);
  return s;
}

bool Server::ConfigureTls(std::string* error) {
  const TlsSettings settings = TlsSettingsFromConfig();
  std::shared_ptr<TlsContext> server, client;
  if (tls_port() != 0 && !(server = TlsContext::Create(settings, error))) return false;
  if (tls_replication() && !(client = TlsContext::CreateClient(settings, error))) return false;
  tls_ctx_ = std::move(server);
  tls_client_ctx_ = std::move(client);
  return true;
}

bool Server::ListenTls(std::string* error) {
  const int port = tls_port();
  if ((port != 0 && !tls_ctx_) || (tls_replication() && !tls_client_ctx_)) {
    if (!ConfigureTls(error)) return false;
  }
  if (port == 0) return true;
  for (const std::string& addr : cfg().bind) {
    bool optional = false;
    std::string why;
    int fd = OpenListener(addr, port, cfg().tcp_backlog, &why, &optional);
    if (fd < 0) {
      if (optional) continue;
      *error = "Could not create server TLS listening socket " + addr + ":" + std::to_string(port) + ": " + why;
      return false;
    }
    listen_fds_.push_back(fd);
    tls_listen_fds_.push_back(fd);
    listeners_.push_back(std::make_unique<Listener>(fd, [this](int lfd) { OnAcceptable(lfd); }));
    loop_.Watch(fd, listeners_.back().get(), true, false);
  }
  return true;
}

void Server::CloseTlsListeners() {
  for (int fd : tls_listen_fds_) {
    loop_.Unwatch(fd);
    close(fd);
    std::erase(listen_fds_, fd);
  }
  tls_listen_fds_.clear();
}

bool Server::is_tls_listener(int fd) const {
  for (int t : tls_listen_fds_) {
    if (t == fd) return true;
  }
  return false;
}

void Server::CloseStalledTlsHandshakes(int64_t now_ms) {
  while (!tls_handshake_deadlines_.empty() && tls_handshake_deadlines_.front().second <= now_ms) {
    Client* c = FindClient(tls_handshake_deadlines_.front().first);
    tls_handshake_deadlines_.pop_front();
    if (c && c->tls_handshaking()) {
      VLOG_WARNING("Error accepting a client connection: TLS handshake timed out (addr=%s)", c->addr().c_str());
      CloseClient(c);
    }
  }
}

std::string Server::ApplyTlsChange(std::string_view name) {
  if (name.substr(0, 4) != "tls-" || name == "tls-cluster") return "";
  if (name == "tls-port") {
    CloseTlsListeners();
    std::string error;
    if (!ConfigureTls(&error) || !ListenTls(&error)) {
      VLOG_WARNING("Failed to listen on the TLS port: %s", error.c_str());
      return "Unable to listen on this port. Check server logs.";
    }
    return "";
  }
  if (tls_port() == 0 && !tls_replication()) {
    tls_ctx_.reset();
    tls_client_ctx_.reset();
    return "";
  }
  std::string error;
  if (!ConfigureTls(&error)) {
    VLOG_WARNING("Failed to update TLS configuration: %s", error.c_str());
    return "Unable to update TLS configuration. Check server logs.";
  }
  return "";
}

}  // namespace vireo

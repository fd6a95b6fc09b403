// The plain TCP listeners (`port` on every `bind` address), opened at start
// and re-opened by CONFIG SET port / bind, with Redis's failure texts and no
// change when the new addresses cannot be bound.
#include <unistd.h>

#include "base/log.h"
#include "net/listener.h"
#include "server/server.h"

namespace vireo {

bool Server::OpenTcpListeners(const std::vector<std::string>& bind, int port, std::vector<int>* fds,
                              std::string* error) {
  fds->clear();
  if (port == 0) return true;  // port 0: no TCP listener, as Redis
  for (const std::string& addr : bind) {
    std::string why;
    bool optional = false;
    const int fd = OpenListener(addr, port, cfg().tcp_backlog, &why, &optional);
    if (fd >= 0) {
      fds->push_back(fd);
      continue;
    }
    if (optional) continue;
    *error = "Could not create server TCP listening socket " + addr + ":" + std::to_string(port) + ": " + why;
    for (int f : *fds) close(f);
    fds->clear();
    return false;
  }
  return true;
}

void Server::InstallTcpListeners(std::vector<int> fds) {
  for (auto& [fd, handler] : tcp_listeners_) {
    loop_.Unwatch(fd);
    close(fd);
    std::erase(listen_fds_, fd);
  }
  tcp_listeners_.clear();
  for (int fd : fds) {
    auto handler = std::make_unique<Listener>(fd, [this](int lfd) { OnAcceptable(lfd); });
    loop_.Watch(fd, handler.get(), true, false);
    listen_fds_.push_back(fd);
    tcp_listeners_.emplace_back(fd, std::move(handler));
  }
}

std::string Server::ApplyListenChange(std::string_view name) {
  const ServerConfig& c = cfg();
  if (c.port == open_port_ && c.bind == open_bind_) return "";
  const bool bind_changed = c.bind != open_bind_;
  const std::string fail = name == "bind" ? "Failed to bind to specified addresses."
                                          : "Unable to listen on this port. Check server logs.";
  std::string error;
  std::vector<int> fds;
  if (!bind_changed) {
    // A new port opens before the old one closes: no moment without a listener.
    if (!OpenTcpListeners(c.bind, c.port, &fds, &error)) {
      VLOG_WARNING("Unable to listen on port %d: %s", c.port, error.c_str());
      return fail;
    }
  } else {
    // The same port on other addresses may overlap the old sockets: close
    // them first and put them back if the new addresses cannot be bound.
    InstallTcpListeners({});
    if (!OpenTcpListeners(c.bind, c.port, &fds, &error)) {
      VLOG_WARNING("Failed to bind, trying to restore old listening sockets: %s", error.c_str());
      std::string old_error;
      if (!OpenTcpListeners(open_bind_, open_port_, &fds, &old_error)) {
        VLOG_WARNING("Failed to restore old listening sockets: %s", old_error.c_str());
      }
      InstallTcpListeners(std::move(fds));
      return fail;
    }
  }
  InstallTcpListeners(std::move(fds));
  open_port_ = c.port;
  open_bind_ = c.bind;
  if (bind_changed) {
    // TLS and the endpoint ports listen on every bind address too. A failure
    // here is undone by CONFIG SET's rollback, which re-applies the old bind.
    CloseTlsListeners();
    if (!ListenTls(&error)) {
      VLOG_WARNING("Failed to bind the TLS port: %s", error.c_str());
      return fail;
    }
    for (auto& [port, listeners] : endpoint_listeners_) {
      for (auto& [fd, handler] : listeners) {
        loop_.Unwatch(fd);
        close(fd);
      }
    }
    endpoint_listeners_.clear();
    error = ApplyEndpointPorts();
    if (!error.empty()) {
      VLOG_WARNING("Failed to bind the endpoint ports: %s", error.c_str());
      return fail;
    }
  }
  return "";
}

}  // namespace vireo

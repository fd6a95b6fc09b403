// vireo-forwarder's event loop: the primary and reader endpoints of engine
// redis groups (redis-server cannot accept on a socket it is handed, so the
// endpoint is a separate process that outlives the manager).
//
// It listens on every endpoint port of its state file and relays bytes both
// ways between each accepted client and a node on 127.0.0.1: a primary
// endpoint's connections go to its one target, a reader endpoint's are
// spread round-robin over its targets, one target per connection. Data moves
// socket -> pipe -> socket with splice(), so it is never copied through user
// space; each direction's pipe is that direction's whole buffer, so memory
// per connection is bounded by two pipes, and a side whose pipe is full is
// not read (backpressure reaches the sender through TCP). A side that ends
// its writes (half-close) gets its peer's socket shut for writing once the
// pipe is flushed; the connection closes when both directions are done or
// either socket fails.
//
// The table comes from the state file (state.h), re-read on SIGHUP; after
// each read the generation is written to <state>.applied (with a line per
// listener that could not be opened). When an endpoint's targets change, a
// primary endpoint closes all its connections (clients reconnect and land on
// the new primary), a reader endpoint those to nodes no longer listed. An
// endpoint without targets stops accepting: new connections wait in the
// listen backlog until targets come or hold_ms passes, then are closed.
//
// Threading: one thread; signals arrive through a signalfd.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "forwarder/state.h"

namespace vireo::forwarder {

class Forwarder {
 public:
  Forwarder(std::string state_path, int hold_ms);
  ~Forwarder();
  // Runs until SIGTERM or SIGINT; returns the exit status.
  int Run();

  struct Conn;
  struct Handle;
  struct Endpoint;
  struct Listener;

 private:
  void Reload();
  void Apply(const State& st);
  void OpenListeners(Endpoint* ep);
  void CloseEndpoint(Endpoint* ep);
  void WriteApplied();
  void OnAccept(Listener* l);
  void StartConnect(Endpoint* ep, int client_fd);
  void OnConnEvent(Handle* h, uint32_t events);
  void Pump(Conn* c);
  void UpdateInterest(Conn* c);
  void CloseConn(Conn* c);
  void Tick();
  void SetListening(Endpoint* ep, bool on);

  std::string state_path_;
  int hold_ms_;
  int epfd_ = -1;
  int sigfd_ = -1;
  bool stop_ = false;
  uint64_t generation_ = 0;
  std::vector<std::string> binds_;
  std::map<uint16_t, std::unique_ptr<Endpoint>> endpoints_;
  std::vector<std::string> listen_errors_;
  std::vector<Conn*> dead_;   // closed this round, freed after the batch
  std::unique_ptr<Handle> sig_handle_;
};

}  // namespace vireo::forwarder

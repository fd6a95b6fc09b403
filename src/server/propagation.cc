#include "server/propagation.h"

#include <algorithm>

namespace vireo {

namespace {

void AppendBulk(std::string* out, std::string_view a) {
  out->push_back('$');
  out->append(std::to_string(a.size()));
  out->append("\r\n");
  out->append(a);
  out->append("\r\n");
}

}  // namespace

void Propagator::AppendCommand(std::string* out, const std::vector<std::string_view>& argv) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (std::string_view a : argv) AppendBulk(out, a);
}

void Propagator::AppendCommand(std::string* out, const std::vector<std::string>& argv) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (const std::string& a : argv) AppendBulk(out, a);
}

void Propagator::AddSink(PropagationSink* sink) { sinks_.push_back({sink, -1}); }

void Propagator::RemoveSink(PropagationSink* sink) {
  sinks_.erase(std::remove_if(sinks_.begin(), sinks_.end(), [&](const SinkState& s) { return s.sink == sink; }),
               sinks_.end());
  if (sinks_.empty()) pending_.clear();
}

void Propagator::ForgetSelectedDb(PropagationSink* sink) {
  for (SinkState& s : sinks_) {
    if (s.sink == sink) s.last_db = -1;
  }
}

void Propagator::Emit(int db, uint8_t targets, std::string_view resp) {
  for (size_t i = 0; i < sinks_.size(); ++i) {
    SinkState& s = sinks_[i];
    if (!(s.sink->propagation_target() & targets)) continue;
    if (s.last_db != db) {
      std::string dbtext = std::to_string(db);
      select_scratch_.clear();
      AppendCommand(&select_scratch_, std::vector<std::string_view>{"SELECT", dbtext});
      select_scratch_.append(resp);
      s.last_db = db;
      s.sink->Feed(db, select_scratch_);
    } else {
      s.sink->Feed(db, resp);
    }
  }
}

void Propagator::EmitNow(int db, uint8_t targets, const std::vector<std::string_view>& argv) {
  if (sinks_.empty()) return;
  std::string bytes;
  AppendCommand(&bytes, argv);
  Emit(db, targets, bytes);
}

void Propagator::FlushPending() {
  if (pending_.empty()) return;
  // Sinks may be removed by what they do in Feed; take the batch first.
  std::vector<PropagatedCommand> batch;
  batch.swap(pending_);
  const bool wrap = batch.size() > 1;
  // MULTI takes the first command's db (so the SELECT precedes it) and EXEC
  // the last one's, as Redis does.
  if (wrap) Emit(batch.front().db, kPropagateAll, "*1\r\n$5\r\nMULTI\r\n");
  for (const PropagatedCommand& op : batch) {
    scratch_.clear();
    AppendCommand(&scratch_, op.argv);
    Emit(op.db, op.targets, scratch_);
  }
  if (wrap) Emit(batch.back().db, kPropagateAll, "*1\r\n$4\r\nEXEC\r\n");
  batch.clear();
  if (pending_.empty()) pending_.swap(batch);  // keep the capacity
}

}  // namespace vireo

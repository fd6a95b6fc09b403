#include "commands/stream/stream_family.h"

namespace vireo {
namespace stream_cmd {

void BindInfoCommands(CommandTable& t) {}

}  // namespace stream_cmd
}  // namespace vireo

// DUMP and RESTORE: a key's value as Redis's serialized payload (its RDB
// encoding, the RDB version and a CRC-64) and back, interchangeable with
// redis-server's payloads. Bound by the node into its command table.
// Thread rule: main thread, one command at a time.
#pragma once

namespace vireo {

class CommandTable;
void BindDumpRestoreCommands(CommandTable& t);

}  // namespace vireo

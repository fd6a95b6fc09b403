// CommandSpecs: every command and subcommand Redis 7.0 has (generated data,
// parents right before their subcommands), built or not. ACL rules and
// categories are about Redis's whole table, so rule texts and ACL CAT
// match Redis whatever Vireo has built.
// Thread rule: constant data, built on first use; safe from any thread.
#pragma once
#include <vector>

#include "commands/core/command.h"

namespace vireo {

const std::vector<CommandSpecData>& CommandSpecs();

}  // namespace vireo

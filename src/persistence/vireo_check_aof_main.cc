// vireo-check-aof: see persistence/aof_check.h.
#include "persistence/aof_check.h"

int main(int argc, char** argv) { return vireo::CheckAofMain(argc, argv); }

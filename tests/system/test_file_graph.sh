#!/usr/bin/env bash
# The layering holds: common/ includes no application header (schemas/ is
# the application's, common/bs_proto.def the protocol's), and no two files
# of one folder call each other, directly or round a loop.
#   tests/system/test_file_graph.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
exec /usr/bin/python3 "$1/tests/support/file_graph.py" "$1" "$2"

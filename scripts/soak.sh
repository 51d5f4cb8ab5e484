#!/usr/bin/env bash
# The soak test (outside CI): 100 generations in one process through the library entry point; live tensors back to the
# baseline after each, resident-set slope <= 1 MiB per generation after the first 10. Figures: TestResults/soak.json.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
dotnet build tests/Jano.Tests -c Release -nologo >/dev/null
dotnet test tests/Jano.Tests -c Release --no-build --nologo --filter "Category=Soak" --logger "console;verbosity=detailed" </dev/null
cat TestResults/soak.json

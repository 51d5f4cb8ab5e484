// Provides std::ios_base_library_init() (GLIBCXX_3.4.32, GCC 13) on systems whose libstdc++ predates it.
// GCC 13 objects call it instead of constructing a static std::ios_base::Init; doing that here keeps
// the standard streams initialised.
#include <ios>
namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}

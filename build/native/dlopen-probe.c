/* Loads a shared library with every symbol bound now and calls one exported function; exit 0 on success. */
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: dlopen-probe LIB [SYMBOL]\n"); return 2; }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    if (argc > 2) {
        int (*fn)(void) = (int (*)(void))dlsym(h, argv[2]);
        if (!fn) { fprintf(stderr, "%s\n", dlerror()); return 1; }
        printf("%s=%d\n", argv[2], fn());
    }
    printf("loaded\n");
    return 0;
}

/* Marks one version requirement (a Vernaux entry of .gnu.version_r) as weak (VER_FLG_WEAK),
   so the dynamic loader accepts a libstdc++ that lacks that version.
   usage: elf-weak-verneed FILE VERSION   (edits FILE in place; ELF64 little-endian only) */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *msg, const char *arg) {
    fprintf(stderr, "elf-weak-verneed: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) return fail("usage: elf-weak-verneed FILE VERSION", NULL);
    FILE *f = fopen(argv[1], "rb");
    if (!f) return fail("cannot open", argv[1]);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) { fclose(f); return fail("cannot read", argv[1]); }
    fclose(f);

    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    if (size < (long)sizeof(Elf64_Ehdr) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail("not a little-endian ELF64 file", argv[1]);
    if (eh->e_shoff == 0 || eh->e_shoff + (Elf64_Off)eh->e_shnum * sizeof(Elf64_Shdr) > (Elf64_Off)size)
        return fail("bad section header table", argv[1]);
    Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);

    int patched = 0, found = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        Elf64_Shdr *strsec = &sh[sh[i].sh_link];
        const char *strtab = (const char *)(buf + strsec->sh_offset);
        Elf64_Off off = sh[i].sh_offset;
        for (unsigned n = 0; n < sh[i].sh_info; n++) {
            Elf64_Verneed *vn = (Elf64_Verneed *)(buf + off);
            Elf64_Off aoff = off + vn->vn_aux;
            for (unsigned a = 0; a < vn->vn_cnt; a++) {
                Elf64_Vernaux *va = (Elf64_Vernaux *)(buf + aoff);
                if (strcmp(strtab + va->vna_name, argv[2]) == 0) {
                    found = 1;
                    if (!(va->vna_flags & VER_FLG_WEAK)) { va->vna_flags |= VER_FLG_WEAK; patched = 1; }
                }
                if (va->vna_next == 0) break;
                aoff += va->vna_next;
            }
            if (vn->vn_next == 0) break;
            off += vn->vn_next;
        }
    }
    if (!found) return fail("version requirement not found", argv[2]);
    if (patched) {
        f = fopen(argv[1], "r+b");
        if (!f || fwrite(buf, 1, (size_t)size, f) != (size_t)size || fclose(f) != 0) return fail("cannot write", argv[1]);
    }
    printf("%s %s\n", patched ? "weakened" : "already-weak", argv[2]);
    free(buf);
    return 0;
}

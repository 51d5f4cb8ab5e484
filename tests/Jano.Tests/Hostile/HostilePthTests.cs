using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Jano.Core.Weights;
using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>Malformed and hostile PyTorch zip checkpoints (<c>.pth</c>), in-process: hostile pickle globals, every
/// structural damage of the pickle, resource bombs (nesting, cycles, shared sub-dicts, stack, memo, objects, items,
/// text, inflated size), impossible tensor geometry, and zip damage. Each is refused with one
/// <see cref="WeightFileException"/> line naming the file and the problem (or, for the valid edge cases, read whole).</summary>
[Collection(HostileSuite.Name)]
public sealed class HostilePthTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jano-hostile-pth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Zip(byte[] pickle) => HostileFiles.Pth(pickle, [("0", HostileFiles.Floats(6))]);

    private static byte[] Pickle(Action<PickleWriter> body)
    {
        var p = new PickleWriter().Proto();
        body(p);
        return p.ToArray();
    }

    // A pickle pushing `count` times what `one` writes inside a list (APPEND after each).
    private static byte[] ListOf(int count, Action<PickleWriter> one) => Pickle(p =>
    {
        p.Op(']');
        for (int i = 0; i < count; i++)
        {
            one(p);
            p.Op('a');
        }
        p.Stop();
    });

    private static byte[] NestedDicts(int depth) => Pickle(p =>
    {
        p.Op('}');
        for (int i = 0; i < depth; i++) p.Str("k").Op('}');
        for (int i = 0; i < depth; i++) p.Op('s');
        p.Stop();
    });

    // d0 = {"t": tensor}; d_i = {"a": d_{i-1}, "b": d_{i-1}}: 2^depth dotted names through the memo.
    private static byte[] SharedDicts(int depth) => Pickle(p =>
    {
        p.Op('}').Str("t").Tensor("0", "FloatStorage", 6, 0, [6], [1]).Op('s').Put(0);
        for (int i = 1; i <= depth; i++)
            p.Op('}').Mark().Str("a").Get((uint)i - 1).Str("b").Get((uint)i - 1).Op('u').Put((uint)i);
        p.Stop();
    });

    // A state dict of n one-element tensors that all view storage "0" (one record, so the zip stays small).
    private static byte[] ManyEntries(int n) => HostileFiles.Pth(new PickleWriter { MemoizeConstants = true }.Proto().Also(p =>
    {
        p.Op('}');
        for (int batch = 0; batch < n; batch += 1000)
        {
            p.Mark();
            for (int i = batch; i < Math.Min(n, batch + 1000); i++) p.Str("layer." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Tensor("0", "FloatStorage", 6, i % 6, [1], [1]);
            p.Op('u');
        }
        p.Stop();
    }).ToArray(), [("0", HostileFiles.Floats(6))]);

    private static byte[] PatchCentralDirectory(byte[] zip, string entry, Action<byte[], int> patch)
    {
        var bytes = (byte[])zip.Clone();
        var name = Encoding.ASCII.GetBytes(entry);
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) != 0x02014b50) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28));
            if (bytes.AsSpan(i + 46, nameLength).SequenceEqual(name)) patch(bytes, i);
        }
        return bytes;
    }

    private static byte[] DeflatedBomb(long inflated)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.Fastest).Open();
            var chunk = Enumerable.Repeat((byte)'N', 1 << 20).ToArray();
            s.Write([0x80, 2]);
            for (long done = 2; done < inflated; done += chunk.Length) s.Write(chunk, 0, (int)Math.Min(chunk.Length, inflated - done));
        }
        return buffer.ToArray();
    }

    private static byte[] FakeZip64Entries(ulong entries)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes("PK\u0003\u0004 not really a local header"));
        int zip64At = bytes.Count;
        var record = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 0x06064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(32), entries);
        bytes.AddRange(record);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)zip64At);
        bytes.AddRange(locator);
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 0xFFFF);
        bytes.AddRange(end);
        return bytes.ToArray();
    }

    /// <summary>(case, file bytes, a fragment the refusal must contain; null: the file must load).</summary>
    public static readonly (string Name, Func<byte[]> Bytes, string? Expect)[] Cases =
    [
        // what torch.save writes
        ("valid state dict with a strided view", HostileFiles.ValidPth, null),
        ("valid, deflated records", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6)), ("1", HostileFiles.Floats(3))], level: CompressionLevel.Optimal), null),
        ("valid, no byteorder record", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6)), ("1", HostileFiles.Floats(3))], byteorder: null), null),
        ("wrapped in {state_dict: ..., epoch: 3}", () => HostileFiles.Pth(Pickle(p => p.Op('}').Mark().Str("epoch").Int(3).Str("state_dict").Op('}')
            .Str("w").Tensor("0", "FloatStorage", 6, 0, [2, 3], [3, 1]).Op('s').Op('u').Stop()), [("0", HostileFiles.Floats(6))]), null),
        ("a list nested 100000 deep (no tensors)", () => Zip(Pickle(p => { p.Op(']'); for (int i = 0; i < 100_000; i++) p.Op(']'); for (int i = 0; i < 100_000; i++) p.Op('a'); p.Stop(); })), null),
        ("a list that contains itself", () => Zip(Pickle(p => p.Op(']').Put(0).Get(0).Op('a').Stop())), null),
        // hostile globals: nothing is ever called
        ("GLOBAL os.system", () => Zip(Pickle(p => p.Global("os", "system").Str("touch /tmp/pwned").Op(0x85).Op('R').Stop())), "refusing pickle global 'os.system'"),
        ("GLOBAL posix.system", () => Zip(Pickle(p => p.Global("posix", "system").Stop())), "refusing pickle global 'posix.system'"),
        ("GLOBAL builtins.eval", () => Zip(Pickle(p => p.Global("builtins", "eval").Stop())), "refusing pickle global 'builtins.eval'"),
        ("GLOBAL subprocess.Popen", () => Zip(Pickle(p => p.Global("subprocess", "Popen").Stop())), "refusing pickle global 'subprocess.Popen'"),
        ("GLOBAL torch.load", () => Zip(Pickle(p => p.Global("torch", "load").Stop())), "refusing pickle global 'torch.load'"),
        ("GLOBAL with ESC in the name", () => Zip(Pickle(p => p.Global("os\u001b[2J", "system").Stop())), "refusing pickle global 'os\\u001b[2J.system'"),
        ("STACK_GLOBAL builtins.exec", () => Zip(Pickle(p => p.Str("builtins").Str("exec").Op(0x93).Stop())), "refusing pickle global 'builtins.exec'"),
        ("CUDA storage type", () => Zip(Pickle(p => p.Global("torch.cuda", "FloatStorage").Stop())), "refusing pickle global 'torch.cuda.FloatStorage'"),
        ("REDUCE on a string", () => Zip(Pickle(p => p.Str("os.system").Op(')').Op('R').Stop())), "REDUCE on something other than an allowed global"),
        ("a storage type called", () => Zip(Pickle(p => p.Global("torch", "FloatStorage").Op(')').Op('R').Stop())), "cannot be called"),
        ("INST opcode", () => Zip(Pickle(p => p.Mark().Op('i').Raw(Encoding.ASCII.GetBytes("os\nsystem\n")).Stop())), "unsupported pickle opcode 0x69"),
        ("OBJ opcode", () => Zip(Pickle(p => p.Mark().Op('o').Stop())), "unsupported pickle opcode 0x6f"),
        ("NEWOBJ opcode", () => Zip(Pickle(p => p.Op(0x81).Stop())), "unsupported pickle opcode 0x81"),
        ("PERSID text opcode", () => Zip(Pickle(p => p.Op('P').Raw(Encoding.ASCII.GetBytes("x\n")).Stop())), "unsupported pickle opcode 0x50"),
        ("EXT1 opcode", () => Zip(Pickle(p => p.Op(0x82).Op(1).Stop())), "unsupported pickle opcode 0x82"),
        // malformed pickle structure
        ("persistent id too short", () => Zip(Pickle(p => p.Mark().Str("storage").Global("torch", "FloatStorage").Op('t').Op('Q').Stop())), "unsupported persistent id"),
        ("negative storage size", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", -6, 0, [2, 3], [3, 1]))), "negative element count"),
        ("rebuild with a list for the size", () => Zip(Pickle(p => p.Global("torch._utils", "_rebuild_tensor_v2").Mark().Mark().Str("storage").Global("torch", "FloatStorage")
            .Str("0").Str("cpu").Int(6).Op('t').Op('Q').Int(0).Op(']').Op(']').Op('t').Op('R').Stop())), "malformed _rebuild_tensor_v2 arguments"),
        ("ends before STOP", () => Zip(HostileFiles.ValidPthPickle()[..^1]), "pickle ended before STOP"),
        ("cut inside a string", () => Zip(HostileFiles.ValidPthPickle()[..12]), "pickle ended early"),
        ("STOP on an empty stack", () => Zip(Pickle(p => p.Stop())), "pickle stack underflow"),
        ("TUPLE without MARK", () => Zip(Pickle(p => p.Int(1).Op('t').Stop())), "pickle MARK missing"),
        ("STOP right after MARK", () => Zip(Pickle(p => p.Int(1).Mark().Stop())), "unexpected MARK"),
        ("memo key missing", () => Zip(Pickle(p => p.Get(7).Stop())), "memo key 7 missing"),
        ("odd dict items", () => Zip(Pickle(p => p.Mark().Int(1).Op('d').Stop())), "odd number"),
        ("APPEND to a number", () => Zip(Pickle(p => p.Int(1).Int(2).Op('a').Stop())), "APPEND to something other than a list"),
        ("SETITEM on a list", () => Zip(Pickle(p => p.Op(']').Str("k").Int(2).Op('s').Stop())), "SETITEM on something other than a dict"),
        ("LONG4 of 4 GiB", () => Zip(Pickle(p => p.Op(0x8b).Raw([0xff, 0xff, 0xff, 0xff]).Stop())), "out of range"),
        ("LONG1 of 9 bytes", () => Zip(Pickle(p => p.Op(0x8a).Op(9).Raw(new byte[9]).Stop())), "out of range"),
        ("BINUNICODE of 4 GiB", () => Zip(Pickle(p => p.Op('X').Raw([0xff, 0xff, 0xff, 0xff]).Stop())), "too large"),
        ("BINBYTES of 100 MiB", () => Zip(Pickle(p => p.Op('B').Raw([0, 0, 0x40, 0x06]).Stop())), "too large"),
        ("string not UTF-8", () => Zip(Pickle(p => p.Op(0x8c).Op(2).Raw([0xc3, 0x28]).Stop())), "not valid UTF-8"),
        // resource bombs
        ("MARK nested 2000 deep", () => Zip(Pickle(p => { for (int i = 0; i < 2000; i++) p.Mark(); p.Stop(); })), "MARK nesting exceeds the limit of 1000"),
        ("stack of 1.1 million Nones", () => Zip(Pickle(p => { for (int i = 0; i < 1_100_000; i++) p.Op('N'); p.Stop(); })), "stack depth exceeds the limit of 1000000"),
        ("memo of 4.1 million entries", () => Zip(Pickle(p => { p.Op('N'); for (int i = 0; i < 4_100_000; i++) p.Op(0x94); p.Stop(); })), "memo size exceeds the limit of 4000000"),
        ("4.1 million empty lists", () => Zip(ListOf(4_100_000, p => p.Op(']'))), "object count exceeds the limit of 4000000"),
        ("8.1 million list items", () => Zip(Pickle(p => { p.Op(']'); for (int b = 0; b < 8_100; b++) { p.Mark(); for (int i = 0; i < 1000; i++) p.Op('N'); p.Op('e'); } p.Stop(); })), "container item count exceeds the limit of 8000000"),
        ("33 strings of 1 MiB", () => Zip(ListOf(33, p => p.Str(new string('x', 1 << 20)))), "text and bytes payload exceeds the limit"),
        ("dicts nested 100000 deep", () => Zip(NestedDicts(100_000)), "nested more than 1000 deep"),
        ("a dict that contains itself", () => Zip(Pickle(p => p.Op('}').Put(0).Str("self").Get(0).Op('s').Stop())), "contains itself"),
        ("a dict cycle through a tensor holder", () => Zip(Pickle(p => p.Op('}').Put(0).Str("w").Tensor("0", "FloatStorage", 6, 0, [6], [1]).Op('s').Str("loop").Get(0).Op('s').Stop())), "contains itself"),
        ("sub-dicts shared 2^40 times", () => Zip(SharedDicts(40)), "names the same tensors more than 64 times over"),
        ("tensor-free sub-dicts shared 2^60 times (no tensors)", () => Zip(Pickle(p =>
        {
            p.Op('}').Put(0);
            for (int i = 1; i <= 60; i++) p.Op('}').Mark().Str("a").Get((uint)i - 1).Str("b").Get((uint)i - 1).Op('u').Put((uint)i);
            p.Stop();
        })), null),
        ("one dict shared under two names (accepted)", () => Zip(Pickle(p => p.Op('}').Mark().Str("model").Op('}').Str("w").Tensor("0", "FloatStorage", 6, 0, [6], [1]).Op('s').Put(0)
            .Str("ema").Get(0).Op('u').Stop())), null),
        ("a name longer than 4096", () => Zip(HostileFiles.DictPickle(p => p.Str(new string('n', 5000)).Tensor("0", "FloatStorage", 6, 0, [6], [1]))), "longer than 4096"),
        ("duplicate tensor name", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 0, [6], [1]).Str("w").Tensor("0", "FloatStorage", 6, 0, [6], [1]))), "'w' occurs twice"),
        ("200000 tensors (linear, accepted)", () => ManyEntries(200_000), null),
        ("data.pkl inflating to 300 MiB", () => DeflatedBomb(300L << 20), "more than the limit of 268435456"),
        ("data.pkl inflating past its declared size", () => PatchCentralDirectory(DeflatedBomb(4 << 20), "archive/data.pkl",
            (b, i) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(i + 24), 1000)), "pickle ended"),
        ("data.pkl with an unknown compression method", () => PatchCentralDirectory(HostileFiles.ValidPth(), "archive/data.pkl",
            (b, i) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(i + 10), 99)), "case.pth"),
        ("zip declaring 2^40 records", () => FakeZip64Entries(1UL << 40), "declares 1099511627776 records"),
        ("byteorder record of 1 MiB", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6)), ("1", HostileFiles.Floats(3))], byteorder: new string(' ', 1 << 20)), "at most 16 expected"),
        ("big-endian byteorder", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6)), ("1", HostileFiles.Floats(3))], byteorder: "big"), "byteorder 'big' is not supported"),
        // impossible tensor geometry
        ("shape overflowing int64", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 0, [1L << 62, 4], [4, 1]))), "too large to address"),
        ("strided extent overflowing int64", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 0, [3, 3], [1L << 62, 1]))), "too large to address"),
        ("offset overflowing int64", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 1L << 62, [1], [1]))), "too large to address"),
        ("negative stride", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 5, [2], [-1]))), "negative offset, size or stride"),
        ("33 dimensions", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 0, Enumerable.Repeat(1L, 33).ToArray(), Enumerable.Repeat(1L, 33).ToArray()))), "tensor rank exceeds the limit of 32"),
        ("view past the end of its storage", () => Zip(HostileFiles.DictPickle(p => p.Str("w").Tensor("0", "FloatStorage", 6, 4, [3], [1]))), "extends past the end of its storage"),
        ("storage record missing", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6))]), "data/1 of tensor 'inner.b' is missing"),
        ("storage record too short", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6)), ("1", HostileFiles.Floats(2))]), "holds 8 bytes, expected 12"),
        // zip damage and other formats
        ("not a zip", () => Encoding.ASCII.GetBytes("hello, I am not a checkpoint"), "not a PyTorch zip checkpoint"),
        ("legacy torch.save", () => [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e], "legacy (non-zip) torch.save format"),
        ("zip cut in half", () => HostileFiles.ValidPth()[..(HostileFiles.ValidPth().Length / 2)], "case.pth"),
        ("zip without data.pkl", () => ZipWithout("archive/data.pkl"), "expected one data.pkl record in the zip, found 0"),
        ("zip with two data.pkl", () => HostileFiles.Pth(HostileFiles.ValidPthPickle(), [("0", HostileFiles.Floats(6)), ("1", HostileFiles.Floats(3))],
            extra: [("other/data.pkl", HostileFiles.ValidPthPickle())]), "found 2"),
    ];

    private static byte[] ZipWithout(string name)
    {
        using var buffer = new MemoryStream(HostileFiles.ValidPth().ToArray());
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true)) zip.GetEntry(name)!.Delete();
        return buffer.ToArray();
    }

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_case_is_refused_with_one_line_naming_the_file_or_read_whole(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        string path = Path.Combine(_dir, "case.pth");
        File.WriteAllBytes(path, c.Bytes());
        var error = HostileBounds.Run(name, () =>
        {
            if (name.StartsWith("200000", StringComparison.Ordinal))
            {
                using var file = WeightLoader.OpenTensorFile(path);
                Assert.Equal(200_000, file.Entries.Count);
            }
            else
            {
                HostileLoad.ReadEverything(path);
            }
        });
        if (c.Expect is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.True(error is WeightFileException, $"{name}: {error?.GetType().Name}: {error?.Message}");
            var line = HostileAssert.OneLine(error!, path);
            Assert.Contains(c.Expect, line, StringComparison.Ordinal);
        }
        Assert.Equal(["case.pth"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        Assert.False(File.Exists("/tmp/pwned"));
    }

    [Fact]
    public void The_valid_checkpoint_reads_the_values_torch_save_would_give()
    {
        string path = Path.Combine(_dir, "valid.pth");
        File.WriteAllBytes(path, HostileFiles.ValidPth());
        using var file = PthFile.Open(path);
        Assert.Equal(["w", "inner.b", "n"], file.Entries.Select(e => e.Name));
        using var w = file.Read("w");
        using var n = file.Read("n");
        Assert.Equal([0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f], w.data<float>().ToArray());
        Assert.Equal([1.5f, 4.5f], n.data<float>().ToArray()); // column 1 of w
    }
}

namespace Jano.Models.Wan.TextEncoder;

/// <summary>
/// Minimal protobuf rewriting of a SentencePiece <c>ModelProto</c>. T5/umT5 models have no BOS
/// (<c>trainer_spec.bos_id = -1</c>), which Microsoft.ML.Tokenizers 2.0.1's unigram loader indexes with unconditionally
/// (IndexOutOfRangeException). <see cref="WithoutNegativeBos"/> points a negative <c>bos_id</c> at the pad id (or the
/// unk id): the loader then overwrites that slot with the pad/unk entry, so nothing changes for encoding without BOS.
/// The same loader also offsets byte-fallback ids from the last BYTE piece instead of <c>&lt;0x00&gt;</c>; see <see cref="WithByteOffsetFix"/>.
/// </summary>
internal static class SentencePieceModelPatch
{
    private const int PiecesField = 1;        // ModelProto.pieces (repeated SentencePiece)
    private const int PieceTextField = 1;     // SentencePiece.piece
    private const int PieceTypeField = 3;     // SentencePiece.type (default NORMAL = 1)
    private const int ByteType = 6;           // SentencePiece.Type.BYTE
    private const int ControlType = 3;        // SentencePiece.Type.CONTROL
    private const int TrainerSpecField = 2;   // ModelProto.trainer_spec
    private const int NormalizerSpecField = 3; // ModelProto.normalizer_spec
    private const int UnkIdField = 40;        // TrainerSpec.unk_id (default 0)
    private const int BosIdField = 41;        // TrainerSpec.bos_id (default 1)
    private const int PadIdField = 43;        // TrainerSpec.pad_id (default -1)

    /// <summary>The model bytes, with a negative trainer_spec.bos_id replaced by pad_id (or unk_id); unchanged otherwise.</summary>
    public static byte[] WithoutNegativeBos(byte[] model)
    {
        var top = Fields(model);
        var spec = top.LastOrDefault(f => f.Number == TrainerSpecField && f.WireType == 2);
        if (spec.Payload is null) return model;
        var specFields = Fields(spec.Payload);
        long bos = Value(specFields, BosIdField, 1), pad = Value(specFields, PadIdField, -1), unk = Value(specFields, UnkIdField, 0);
        if (bos >= 0) return model;
        long replacement = pad >= 0 ? pad : unk;

        using var newSpec = new MemoryStream();
        foreach (var f in specFields.Where(f => f.Number != BosIdField)) newSpec.Write(f.Raw);
        WriteVarint(newSpec, (ulong)(BosIdField << 3));
        WriteVarint(newSpec, (ulong)replacement);

        using var result = new MemoryStream();
        foreach (var f in top)
        {
            if (f.Number == TrainerSpecField && f.WireType == 2)
            {
                WriteVarint(result, (ulong)(TrainerSpecField << 3 | 2));
                WriteVarint(result, (ulong)newSpec.Length);
                result.Write(newSpec.ToArray());
            }
            else result.Write(f.Raw);
        }
        return result.ToArray();
    }

    /// <summary>
    /// The model bytes with the BYTE pieces <c>&lt;0x01&gt;</c>…<c>&lt;0xFF&gt;</c> retyped CONTROL, so that <c>&lt;0x00&gt;</c> is the
    /// last BYTE piece: Microsoft.ML.Tokenizers 2.0.1 offsets byte-fallback ids from the last BYTE piece (instead of
    /// <c>&lt;0x00&gt;</c>), and keeps CONTROL pieces out of its vocabulary and trie as it does BYTE pieces. Unchanged without byte pieces.
    /// </summary>
    public static byte[] WithByteOffsetFix(byte[] model)
    {
        using var result = new MemoryStream();
        foreach (var f in Fields(model))
        {
            if (f.Number == PiecesField && f.WireType == 2)
            {
                var piece = Fields(f.Payload!);
                var text = piece.LastOrDefault(p => p.Number == PieceTextField && p.WireType == 2).Payload;
                if (Value(piece, PieceTypeField, 1) == ByteType && text is not null && System.Text.Encoding.UTF8.GetString(text) != "<0x00>")
                {
                    using var retyped = new MemoryStream();
                    foreach (var p in piece.Where(p => p.Number != PieceTypeField)) retyped.Write(p.Raw);
                    WriteVarint(retyped, (ulong)(PieceTypeField << 3));
                    WriteVarint(retyped, ControlType);
                    WriteVarint(result, (ulong)(PiecesField << 3 | 2));
                    WriteVarint(result, (ulong)retyped.Length);
                    result.Write(retyped.ToArray());
                    continue;
                }
            }
            result.Write(f.Raw);
        }
        return result.ToArray();
    }

    /// <summary>The model's <c>normalizer_spec.name</c> (e.g. <c>nmt_nfkc</c>), or null.</summary>
    public static string? NormalizerName(byte[] model)
    {
        var spec = Fields(model).LastOrDefault(f => f.Number == NormalizerSpecField && f.WireType == 2).Payload;
        if (spec is null) return null;
        var name = Fields(spec).LastOrDefault(f => f.Number == 1 && f.WireType == 2).Payload;
        return name is null ? null : System.Text.Encoding.UTF8.GetString(name);
    }

    private readonly record struct Field(int Number, int WireType, ulong Varint, byte[]? Payload, byte[] Raw);

    private static long Value(List<Field> fields, int number, long fallback)
    {
        var hits = fields.Where(f => f.Number == number && f.WireType == 0).ToList();
        return hits.Count == 0 ? fallback : unchecked((int)(uint)hits[^1].Varint); // int32 fields: negative values are 10-byte varints
    }

    private static List<Field> Fields(byte[] data)
    {
        var fields = new List<Field>();
        int pos = 0;
        while (pos < data.Length)
        {
            int start = pos;
            ulong key = ReadVarint(data, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            ulong varint = 0;
            byte[]? payload = null;
            switch (wire)
            {
                case 0: varint = ReadVarint(data, ref pos); break;
                case 1: pos += 8; break;
                case 2:
                    int len = checked((int)ReadVarint(data, ref pos));
                    payload = data.AsSpan(pos, len).ToArray();
                    pos += len;
                    break;
                case 5: pos += 4; break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {wire} in a SentencePiece model");
            }
            if (pos > data.Length) throw new InvalidDataException("truncated SentencePiece model");
            fields.Add(new Field(number, wire, varint, payload, data.AsSpan(start, pos - start).ToArray()));
        }
        return fields;
    }

    private static ulong ReadVarint(byte[] data, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length) throw new InvalidDataException("truncated varint in a SentencePiece model");
            byte b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("malformed varint in a SentencePiece model");
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }
}

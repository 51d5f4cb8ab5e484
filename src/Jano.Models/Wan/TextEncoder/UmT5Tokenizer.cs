using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace Jano.Models.Wan.TextEncoder;

/// <summary>
/// The umT5 tokenizer as Wan calls it (<c>HuggingfaceTokenizer(name, seq_len=text_len, clean='whitespace')</c> with
/// <c>add_special_tokens=True, return_mask=True</c>): <see cref="WanPromptCleaner.Clean"/>, SentencePiece unigram
/// (Microsoft.ML.Tokenizers on the <c>spiece.model</c> protobuf, its precompiled-charsmap normaliser and byte fallback;
/// a BOS-less or byte-fallback model is patched first for the loader's 2.0.1 bugs, see <see cref="SentencePieceModelPatch"/>),
/// at most <see cref="TextLen"/> − 1 pieces, then EOS, then PAD up to <see cref="TextLen"/>; mask 1 on pieces and EOS, 0 on padding.
/// </summary>
public sealed class UmT5Tokenizer
{
    private readonly SentencePieceTokenizer _sp;

    private readonly bool _deleteNmtControls;

    private UmT5Tokenizer(SentencePieceTokenizer sp, int textLen, int padId, bool deleteNmtControls)
    {
        _sp = sp;
        _deleteNmtControls = deleteNmtControls;
        TextLen = textLen;
        PadId = padId;
        EosId = sp.EndOfSentenceId;
    }

    /// <summary>Sequence length after padding/truncation (Wan: 512).</summary>
    public int TextLen { get; }

    /// <summary>Padding id (umT5: 0).</summary>
    public int PadId { get; }

    /// <summary>End-of-sentence id appended to every prompt (umT5: 1).</summary>
    public int EosId { get; }

    /// <summary>Largest tokenizer model file accepted (umT5's <c>spiece.model</c> is 4.3 MB).</summary>
    public const long MaxModelBytes = 64L << 20;

    /// <summary>Loads a SentencePiece <c>.model</c> file (e.g. <c>google/umt5-xxl/spiece.model</c>).</summary>
    /// <exception cref="InvalidDataException">The file is missing, empty, too large, truncated or not a SentencePiece
    /// model; the one-line message names the file.</exception>
    public static UmT5Tokenizer Load(string modelPath, int textLen = 512, int padId = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        long length;
        try
        {
            using var stream = File.OpenRead(modelPath);
            length = stream.Length;
            if (length == 0) throw new InvalidDataException($"{modelPath}: the tokenizer model is empty");
            if (length > MaxModelBytes) throw new InvalidDataException($"{modelPath}: the tokenizer model is {length} bytes; at most {MaxModelBytes} are accepted");
            return Load(stream, textLen, padId);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{modelPath}: cannot read the tokenizer model: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(modelPath, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{modelPath}: {e.Message}", e);
        }
        catch (Exception e) when (e is not (InvalidDataException or OutOfMemoryException or ArgumentOutOfRangeException { ParamName: "textLen" }))
        {
            // The SentencePiece parser reports damage with whatever it trips over (a null reference, an index out of
            // range, a protobuf error); the file is what is wrong, so say that.
            throw new InvalidDataException($"{modelPath}: not a usable SentencePiece tokenizer model (truncated, damaged or another format)", e);
        }
    }

    /// <summary>Loads a SentencePiece model protobuf from <paramref name="stream"/>.</summary>
    public static UmT5Tokenizer Load(Stream stream, int textLen = 512, int padId = 0)
    {
        if (textLen < 1) throw new ArgumentOutOfRangeException(nameof(textLen), "text_len must be positive");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        using var patched = new MemoryStream(SentencePieceModelPatch.WithByteOffsetFix(SentencePieceModelPatch.WithoutNegativeBos(bytes)));
        var sp = SentencePieceTokenizer.Create(patched, false, false);
        bool nmt = SentencePieceModelPatch.NormalizerName(bytes)?.StartsWith("nmt_nfkc", StringComparison.Ordinal) == true;
        return new UmT5Tokenizer(sp, textLen, padId, nmt);
    }

    /// <summary>SentencePiece ids of the already-cleaned <paramref name="text"/>, without EOS, untruncated.
    /// With an <c>nmt_nfkc</c> normaliser the control characters that SentencePiece's NMT rules delete
    /// (U+0001–U+0008, U+000B, U+000E–U+001F, U+007F, U+008F, U+009F) are removed first: Microsoft.ML.Tokenizers 2.0.1
    /// keeps them (and then byte-encodes them).</summary>
    public IReadOnlyList<int> Pieces(string text)
    {
        if (_deleteNmtControls && text.Any(IsNmtControl)) text = new string(text.Where(c => !IsNmtControl(c)).ToArray());
        return _sp.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
    }

    private static bool IsNmtControl(char c) =>
        c is (>= '\u0001' and <= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F' or '\u008F' or '\u009F';

    /// <summary>Cleans and tokenises one prompt: pieces (truncated to TextLen − 1) + EOS, unpadded.</summary>
    public int[] Encode(string prompt)
    {
        var pieces = Pieces(WanPromptCleaner.Clean(prompt));
        int n = Math.Min(pieces.Count, TextLen - 1);
        var ids = new int[n + 1];
        for (int i = 0; i < n; i++) ids[i] = pieces[i];
        ids[n] = EosId;
        return ids;
    }

    /// <summary>Tokenises a batch: ids [B, TextLen] and mask [B, TextLen], both int64 on the CPU (new tensors).</summary>
    public (Tensor Ids, Tensor Mask) EncodeBatch(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var ids = new long[prompts.Count * TextLen];
        var mask = new long[prompts.Count * TextLen];
        for (int b = 0; b < prompts.Count; b++)
        {
            var row = Encode(prompts[b]);
            for (int i = 0; i < TextLen; i++)
            {
                bool real = i < row.Length;
                ids[b * TextLen + i] = real ? row[i] : PadId;
                mask[b * TextLen + i] = real ? 1 : 0;
            }
        }
        return (tensor(ids, [prompts.Count, TextLen]), tensor(mask, [prompts.Count, TextLen]));
    }
}

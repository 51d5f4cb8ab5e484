using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;
using Jano.Core.Tensors;

namespace Jano.Acceleration.Common;

/// <summary>
/// The block-stack residual (output − input, [1, n, C]) of each guidance branch, as kept by the step-level caches.
/// Owns its tensors; storing replaces and disposes the old entry.
/// </summary>
public sealed class ResidualCache : IDisposable
{
    private readonly Dictionary<GuidanceBranch, Tensor> _residuals = new();

    /// <summary>Bytes currently held.</summary>
    public long Bytes => _residuals.Values.Sum(t => Owned.Bytes(t));

    /// <summary>Largest <see cref="Bytes"/> seen.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>True when every row has a residual of <paramref name="tokens"/> tokens.</summary>
    public bool Has(IReadOnlyList<GuidanceBranch> rows, long tokens) =>
        rows.All(r => _residuals.TryGetValue(r, out var t) && t.shape[1] == tokens);

    /// <summary>Stores output − input per row; input, output [B, n, C].</summary>
    public void Store(IReadOnlyList<GuidanceBranch> rows, Tensor input, Tensor output)
    {
        using var scope = NewDisposeScope();
        var delta = output.sub(input); // [B, n, C]
        for (int r = 0; r < rows.Count; r++)
        {
            var copy = Owned.Copy(Owned.Row(delta, r)); // [1, n, C]
            if (_residuals.Remove(rows[r], out var old)) old.Dispose();
            _residuals[rows[r]] = copy;
        }
        PeakBytes = Math.Max(PeakBytes, Bytes);
    }

    /// <summary>The residual of one row [1, n, C] (a handle the cache keeps owning).</summary>
    public Tensor Get(GuidanceBranch row) => _residuals[row];

    /// <summary>x + cached residual per row: x [B, n, C] → [B, n, C].</summary>
    public Tensor Apply(IReadOnlyList<GuidanceBranch> rows, Tensor x)
    {
        var stacked = rows.Count == 1 ? _residuals[rows[0]].alias() : torch.cat(rows.Select(r => _residuals[r]).ToArray(), 0); // [B, n, C]
        return x.Plus(stacked.to(x.dtype));
    }

    public void Dispose()
    {
        foreach (var t in _residuals.Values) t.Dispose();
        _residuals.Clear();
    }
}

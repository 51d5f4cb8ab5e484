using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Core.Weights;

/// <summary>
/// How one model tensor is made from a checkpoint's tensors: the <see cref="Sources"/> concatenated along dim 0 (one source:
/// a rename; several: a fuse, e.g. Diffusers' to_q/to_k/to_v into one qkv), then, with <see cref="SwapHalves"/>, the two
/// halves along dim 0 exchanged (e.g. Diffusers' scale/shift order vs the official shift/scale), then, with
/// <see cref="ReshapeToTarget"/>, viewed in the model tensor's shape (e.g. a Linear [C, C] into a 1×1 conv [C, C, 1, 1]).
/// <see cref="Split"/> is the inverse (the model tensor back into the checkpoint's tensors).
/// </summary>
/// <param name="Target">The model's state_dict key.</param>
/// <param name="Sources">Checkpoint tensor names, in concatenation order.</param>
/// <param name="SwapHalves">Exchange the first and second half along dim 0 (after concatenation).</param>
/// <param name="ReshapeToTarget">View the result in the model tensor's shape (same element count).</param>
public sealed record TensorMapping(string Target, IReadOnlyList<string> Sources, bool SwapHalves = false, bool ReshapeToTarget = false)
{
    /// <summary>A one-to-one rename.</summary>
    public static TensorMapping Rename(string target, string source) => new(target, [source]);

    /// <summary>Applies the mapping to the source tensors (in <see cref="Sources"/> order); returns a new tensor of
    /// <paramref name="targetShape"/>.</summary>
    public Tensor Apply(IReadOnlyList<Tensor> sources, long[] targetShape)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(targetShape);
        using var scope = NewDisposeScope();
        var x = sources.Count == 1 ? sources[0].alias() : torch.cat(sources.ToArray(), 0);  // [Σ rows, ...]
        if (SwapHalves)
        {
            long half = x.shape[0] / 2;
            x = torch.cat([x.narrow(0, half, x.shape[0] - half), x.narrow(0, 0, half)], 0);
        }
        if (ReshapeToTarget) x = x.reshape(targetShape);
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The inverse of <see cref="Apply"/>: the model tensor split into (source name, tensor) with the given source
    /// shapes (new tensors).</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Split(Tensor target, IReadOnlyList<long[]> sourceShapes)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(sourceShapes);
        if (sourceShapes.Count != Sources.Count) throw new ArgumentException($"{Target}: {Sources.Count} source shapes needed");
        using var scope = NewDisposeScope();
        var x = target.alias();
        if (ReshapeToTarget)
        {
            long rows = sourceShapes.Sum(s => s[0]);
            x = x.reshape([rows, .. sourceShapes[0].Skip(1)]);
        }
        if (SwapHalves)
        {
            long rest = x.shape[0] - x.shape[0] / 2;                      // undo: the first part is the old second half
            x = torch.cat([x.narrow(0, rest, x.shape[0] - rest), x.narrow(0, 0, rest)], 0);
        }
        var result = new List<(string, Tensor)>();
        long offset = 0;
        for (int i = 0; i < Sources.Count; i++)
        {
            var part = x.narrow(0, offset, sourceShapes[i][0]).reshape(sourceShapes[i]).contiguous().MoveToOuterDisposeScope();
            result.Add((Sources[i], part));
            offset += sourceShapes[i][0];
        }
        return result;
    }
}

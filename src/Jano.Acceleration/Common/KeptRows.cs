using Jano.Core.Acceleration;
using TorchSharp;
using static TorchSharp.torch;

namespace Jano.Acceleration.Common;

/// <summary>
/// A branch's full-sequence tensor [1, N, C] that a step-cache rule keeps across steps, read and written on the rows a
/// forward computes: a full forward replaces it whole, a subset forward (Jano's cheap steps) reads and writes the selected
/// rows, so each token keeps its latest value.
/// </summary>
public static class KeptRows
{
    /// <summary>The kept values of the rows a forward computed: <paramref name="kept"/> itself for a full forward, its rows at
    /// the selection's indices otherwise ([1, n, C], owned by the caller's scope).</summary>
    public static Tensor Of(Tensor kept, TokenSelection? selection)
    {
        if (selection is null || selection.IsAll) return kept;
        using var idx = Index(selection, kept);
        return kept.index_select(1, idx);
    }

    /// <summary>True when <paramref name="kept"/> can answer for the rows of a forward of <paramref name="rows"/> tokens.</summary>
    public static bool Covers(Tensor? kept, TokenSelection? selection, long rows) =>
        kept is not null && (selection is null || selection.IsAll ? kept.shape[1] == rows : kept.shape[1] == selection.Total);

    /// <summary>Writes <paramref name="current"/> [1, n, C]: a full forward replaces <paramref name="slot"/> with an owned copy,
    /// a subset forward writes the selected rows of the kept tensor; a subset forward before any full one (nothing kept to
    /// write into) leaves the slot as it is.</summary>
    public static void Update(ref Tensor? slot, Tensor current, TokenSelection? selection)
    {
        if (selection is null || selection.IsAll)
        {
            Owned.Set(ref slot, current);
            return;
        }
        if (slot is null || slot.shape[1] != selection.Total || selection.IsEmpty) return;
        using var idx = Index(selection, slot);
        slot.index_copy_(1, idx, current.to(slot.dtype));
    }

    private static Tensor Index(TokenSelection selection, Tensor like) =>
        selection.Indices!.device == like.device ? selection.Indices.alias() : selection.Indices.to(like.device);
}

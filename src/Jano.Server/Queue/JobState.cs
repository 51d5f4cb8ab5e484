namespace Jano.Server.Queue;

/// <summary>The states of a job in the queue (stored as these strings).</summary>
public static class JobState
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>True for a state a job never leaves.</summary>
    public static bool IsFinal(string state) => state is Done or Failed or Cancelled;
}

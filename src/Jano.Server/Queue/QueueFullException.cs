namespace Jano.Server.Queue;

/// <summary>The queue already holds its maximum of waiting and running jobs.</summary>
public sealed class QueueFullException : Exception
{
    public QueueFullException() : base("the queue is full") { }

    public QueueFullException(string message) : base(message) { }

    public QueueFullException(string message, Exception inner) : base(message, inner) { }
}

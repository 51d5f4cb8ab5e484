namespace Jano.Server.Queue;

/// <summary>One output file of a finished job, stored in the queue's database so any server can serve it.</summary>
public sealed record JobOutput(string Name, string ContentType, byte[] Bytes);

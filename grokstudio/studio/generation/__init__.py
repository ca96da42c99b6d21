"""What a worker does with a Generation: the queue, the pipeline, the video poller, the rate limiter."""

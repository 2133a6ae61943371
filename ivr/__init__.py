"""IVR menu engine: pure, input in, commands out."""

"""The provider side: the official openai SDK behind `Provider` (client), the offline demo model,
checks that an answer is the one asked for, readable errors, the stream deadline and the send gate.
"""

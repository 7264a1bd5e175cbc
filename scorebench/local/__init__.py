"""Local stand-ins of the cloud: the sample endpoint (the real Azure ML inference server with a real
model, behind key authentication) and the Application Insights ingestion sink with its SQLite store.

Rule: everything here binds to loopback and never lets a process reach an outside address.
"""

"""Adapters for the conformance suite's self-test: each broken one has exactly one defect."""

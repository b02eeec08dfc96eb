"""PAdES signatures (pyHanko): who signs, how the signature looks, how it is checked."""

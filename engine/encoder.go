package engine

// encoderForward sums token and position embeddings.
// out (B,T,C); inp (B,T) token ids; wte (V,C); wpe (maxT,C).
func encoderForward(out []float32, inp []int32, wte, wpe []float32, B, T, C int) {
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			o := out[(b*T+t)*C : (b*T+t+1)*C]
			ix := int(inp[b*T+t])
			we := wte[ix*C : (ix+1)*C]
			pe := wpe[t*C : (t+1)*C]
			for i := range o {
				o[i] = we[i] + pe[i]
			}
		}
	}
}

// encoderBackward accumulates (+=) into dwte and dwpe.
// dwte (V,C); dwpe (maxT,C); dout (B,T,C); inp (B,T).
func encoderBackward(dwte, dwpe, dout []float32, inp []int32, B, T, C int) {
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			d := dout[(b*T+t)*C : (b*T+t+1)*C]
			ix := int(inp[b*T+t])
			dwe := dwte[ix*C : (ix+1)*C]
			dpe := dwpe[t*C : (t+1)*C]
			for i, g := range d {
				dwe[i] += g
				dpe[i] += g
			}
		}
	}
}

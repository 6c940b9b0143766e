// A layer that reads its sequence from the last step cannot be fed the first step first.
use nn::prelude::*;

network! {
    pub struct Reversed = Input<5, 3>, LSTM<8, go_backwards = true>, Dense<8, 1>;
}

fn main() {
    let net = Reversed::seeded(1);
    let mut state = nn::LstmState::default();
    let _ = net.lstm.step(&mut state, &SVector::<f32, 3>::zeros());
}

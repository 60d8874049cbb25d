fn main() -> std::process::ExitCode {
    tact::cli::main()
}

// clvm's entry point.
#include "clvm_agent.h"

int main(int argc, char** argv)
{
    ocfkit::clvm::ClvmAgent agent;
    return ocfkit::run_agent(agent, argc, argv);
}
